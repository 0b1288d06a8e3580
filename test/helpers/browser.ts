/**
 * What browser tests share: the built web app (rebuilt when stale), a free port, Debian's
 * Chromium through playwright-core, a record of console errors and CSP violations, and axe-core.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadConfig, type Config } from '../../services/config.ts';
import { startRuntime, type Runtime } from '../../services/runtime.ts';
import { createPostgresDatabase, dropPostgresDatabase, TEST_SECRET_KEY } from './database.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WEB = join(ROOT, 'web');
export const WEB_BUILD = join(WEB, 'build');
/** Written on every run: what the pages looked like. */
export const SCREENSHOTS = fileURLToPath(new URL('../e2e/screenshots/', import.meta.url));
export const CHROMIUM = '/usr/bin/chromium';
/** Debian's Chromium in a container: no sandbox, no calls home. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-gpu'];

/** Builds web/ (what `npm run build:web` runs) when web/build is missing or older than its sources. */
export function ensureWebBuild(): void {
  if (!webBuildIsStale()) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'web', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** True when web/build is missing or older than anything it is built from. */
export function webBuildIsStale(): boolean {
  const built = join(WEB_BUILD, '200.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  const newer = (path: string): boolean => {
    const stat = statSync(path);
    if (stat.isDirectory()) return readdirSync(path).some((name) => newer(join(path, name)));
    return stat.mtimeMs > builtAt;
  };
  return ['src', 'static', 'svelte.config.js', 'vite.config.ts'].some((p) => existsSync(join(WEB, p)) && newer(join(WEB, p)));
}

/** A TCP port nobody is listening on right now (the config schema refuses port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/**
 * Collects what must never happen in a page: uncaught exceptions, console errors (CSP
 * violations are reported there too), `securitypolicyviolation` events and JavaScript dialogs
 * (which an injected `alert(1)` would open; they are dismissed).
 */
export async function watchPage(page: Page): Promise<{ problems: string[]; dialogs: string[]; cspViolations: (p?: Page) => Promise<string[]> }> {
  const problems: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // Chromium logs every 4xx answer (a 401 from the session check, a 404 for an unknown event)
    // as "Failed to load resource"; anything else is a real problem.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(`console: ${msg.text()}`);
  });
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  // Runs before the page's own scripts (from the browser, not as an inline script: the CSP stays as served).
  // (Strings, not functions: this code runs in the page, and the server's TypeScript has no DOM types.)
  await page.addInitScript(
    "window.__cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ': ' + (e.blockedURI || e.sample)));",
  );
  const cspViolations = (p: Page = page) => p.evaluate<string[]>('window.__cspViolations ?? []');
  return { problems, dialogs, cspViolations };
}

const AXE_SOURCE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

/** Serious and critical accessibility violations axe-core finds in the page as it is now. */
export async function axeViolations(page: Page): Promise<{ id: string; impact: string | null; help: string; targets: string[] }[]> {
  // Evaluated through the debugging protocol, which the page's CSP does not govern.
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate<{ id: string; impact: string | null; help: string; targets: string[] }[]>(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })))",
  );
  return results.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** The same check as `rule: target` lines (empty when there are none), for one-line assertions. */
export async function seriousAccessibilityProblems(page: Page): Promise<string[]> {
  return (await axeViolations(page)).flatMap((v) => v.targets.map((t) => `${v.id}: ${t}`));
}

export type ProductHost = {
  /** Where the product answers, e.g. http://127.0.0.1:41234 (known before it starts). */
  base: string;
  /** Starts the product with the built web app; `env` adds to (or overrides) the test defaults. */
  start(env?: Record<string, string>): Promise<{ runtime: Runtime; config: Config }>;
  /** Stops it and removes its data (the data dir, and the Postgres database when there is one). */
  stop(): Promise<void>;
};

/**
 * The product in-process for a browser test: its own data dir, its own Postgres database when
 * DATABASE_URL is set, a free port, no demo tenant, quiet logs. The address is known before the
 * start, for simulators that must register it (a sign-in redirect URI).
 */
export async function productHost(name: string): Promise<ProductHost> {
  ensureWebBuild();
  const dataDir = mkdtempSync(join(tmpdir(), `tw-e2e-${name}-`));
  const databaseUrl = process.env.DATABASE_URL ? await createPostgresDatabase(process.env.DATABASE_URL) : undefined;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let runtime: Runtime | undefined;
  return {
    base,
    async start(env = {}) {
      const config = loadConfig({
        PORT: String(port),
        HOST: '127.0.0.1',
        TW_PUBLIC_URL: base,
        TW_DATA_DIR: dataDir,
        TW_SECRET_KEY: TEST_SECRET_KEY,
        TW_LOG_LEVEL: 'silent',
        TW_DEMO: 'false',
        ...env,
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      });
      runtime = await startRuntime(config, { webRoot: WEB_BUILD });
      return { runtime, config };
    },
    async stop() {
      await runtime?.stop();
      if (databaseUrl && process.env.DATABASE_URL) await dropPostgresDatabase(process.env.DATABASE_URL, databaseUrl);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
