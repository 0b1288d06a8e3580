import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';

/**
 * The compiled build (scripts/build.js, what `npm ci` and `npm start` make) runs the CLI: help
 * without loading any command, and a command that reads the migrations next to their source.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
// Inside the checkout, where the bundle's packages resolve from node_modules; ignored by git.
const outdir = join(ROOT, `dist.tmp-test-${process.pid}`);
const dataDir = mkdtempSync(join(tmpdir(), 'tw-build-'));
afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

const run = (args: string[]) =>
  promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', `const { main } = await import(${JSON.stringify(join(outdir, 'tenantwatch.js'))}); await main(${JSON.stringify(args)});`],
    {
      // On its own PGlite data dir, whichever database the suite runs on.
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL')), TW_DATA_DIR: dataDir },
    },
  );

test('the compiled CLI prints its help and applies the migrations', async () => {
  // @ts-expect-error a plain ES module without types
  const { buildServer } = (await import('../scripts/build.js')) as { buildServer: (outdir: string) => Promise<{ sources: number }> };
  const { sources } = await buildServer(outdir);
  expect(sources).toBeGreaterThan(100);
  const help = await run(['--help']);
  expect(help.stdout).toContain('worker');
  expect(help.stdout).toContain('apply database migrations and exit');
  const migrated = await run(['migrate']);
  expect(migrated.stdout.trim()).toBe('migrations applied (pglite)');
}, 180_000);
