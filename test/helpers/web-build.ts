import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEB = join(ROOT, 'web');
/** Where `npm run build:web` writes the web app. */
export const WEB_BUILD = join(WEB, 'build');

/** Builds the web app (what `npm run build:web` runs) when web/build is missing or older than its sources. */
export function ensureWebBuild(): void {
  if (!webBuildIsStale()) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'web', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** True when web/build is missing or older than anything it is built from. */
function webBuildIsStale(): boolean {
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
