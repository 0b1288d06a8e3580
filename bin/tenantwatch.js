#!/usr/bin/env node
// Runs the compiled build (dist/tenantwatch.js, made by `npm run build`, which `npm ci` and
// `npm start` run). Where it is missing or older than a source it was made from (a development
// checkout being edited), the TypeScript sources run through tsx instead: slower to start, never
// stale. TW_FROM_SOURCE=1 always runs the sources.
import { readFileSync, statSync } from 'node:fs';

const ROOT = new URL('../', import.meta.url);

/** Why the build cannot be used, or null when it is fresh. */
function staleBuild() {
  let info;
  try {
    info = JSON.parse(readFileSync(new URL('dist/build-info.json', ROOT), 'utf8'));
  } catch {
    return 'there is no compiled build (dist/)';
  }
  for (const input of info.inputs) {
    let changed;
    try {
      changed = statSync(new URL(input, ROOT)).mtimeMs > info.builtAt;
    } catch {
      return `${input} is gone since the last build`;
    }
    if (changed) return `${input} changed since the last build`;
  }
  return null;
}

const stale = process.env.TW_FROM_SOURCE === '1' ? 'TW_FROM_SOURCE=1' : staleBuild();
if (stale === null) {
  const { main } = await import('../dist/tenantwatch.js');
  await main();
} else {
  // Said to a person at a terminal only: scripts and tests read stderr for the command's own errors.
  if (process.stderr.isTTY && process.env.TW_FROM_SOURCE !== '1') {
    process.stderr.write(`tenantwatch: ${stale}; running the TypeScript sources through tsx (slower start). \`npm run build\` compiles them.\n`);
  }
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../services/cli/main.ts');
  await main();
}
