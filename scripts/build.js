#!/usr/bin/env node
// `npm run build` (also run by `npm ci`/`npm install` through `prepare`, and by `npm start`):
// compiles the server and CLI (services/cli/main.ts and everything it imports) into ES modules,
// dist/tenantwatch.js and its chunks, which bin/tenantwatch.js runs. Packages stay external (node_modules is read
// at run time as usual); only our TypeScript is bundled.
//
// Files find their data relative to themselves (`new URL('./migrations', import.meta.url)`,
// `import.meta.dirname`). In the bundle every module would share dist/'s location, so each module's
// `import.meta.url`/`import.meta.dirname` is rewritten to name its own source file, relative to the
// bundle: migrations, the web build, fixtures and the language reference resolve exactly as they do
// from the sources, and the checkout can move.
//
// dist/build-info.json lists the sources the bundle was made from and when the build started, so
// bin/tenantwatch.js can tell a stale build from a fresh one.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Builds into `outdir` (default dist/); answers the bundle's path and the number of sources. */
export async function buildServer(outdir = join(ROOT, 'dist')) {
  const builtAt = Date.now();
  const toPosix = (p) => p.split('\\').join('/');
  const sourceLocation = {
    name: 'source-location',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const rel = toPosix(relative(outdir, args.path));
        const relDir = toPosix(relative(outdir, dirname(args.path))) || '.';
        const contents = readFileSync(args.path, 'utf8')
          .replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`)
          .replaceAll('import.meta.dirname', `decodeURIComponent(new URL(${JSON.stringify(relDir + '/')}, import.meta.url).pathname).replace(/\\/$/, '')`);
        return { contents, loader: 'ts' };
      });
    },
  };
  // Built beside dist/ (same depth, so source maps and rewritten paths hold) and moved in: chunks
  // first (their names carry a hash of their content), the entry and build-info.json last, so a
  // CLI starting during a build never reads half of one.
  const tmp = `${outdir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const result = await build({
    entryPoints: { tenantwatch: join(ROOT, 'services/cli/main.ts') },
    outdir: tmp,
    bundle: true,
    // Each command's modules (and the packages they import) in chunks of their own, loaded when
    // the command runs: `tenantwatch --help` loads none of them.
    splitting: true,
    // Beside the entry, at the depth the rewritten `import.meta.url`s assume.
    chunkNames: 'chunk-[hash]',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    plugins: [sourceLocation],
  });
  const inputs = Object.keys(result.metafile.inputs).map((p) => toPosix(relative(ROOT, resolve(p))));
  const outputs = Object.keys(result.metafile.outputs).map((p) => toPosix(relative(tmp, resolve(p))));
  const last = ['tenantwatch.js.map', 'tenantwatch.js'];
  mkdirSync(outdir, { recursive: true });
  for (const file of [...outputs.filter((f) => !last.includes(f)), ...last]) renameSync(join(tmp, file), join(outdir, file));
  writeFileSync(join(tmp, 'build-info.json'), JSON.stringify({ builtAt, inputs }, null, 1) + '\n');
  renameSync(join(tmp, 'build-info.json'), join(outdir, 'build-info.json'));
  rmSync(tmp, { recursive: true, force: true });
  // Chunks of earlier builds go after a day: a server started from one may still load a
  // command's chunk when a CLI sends it that command.
  const current = new Set(outputs);
  for (const file of readdirSync(outdir).filter((f) => f.startsWith('chunk-'))) {
    const path = join(outdir, file);
    if (!current.has(file) && statSync(path).mtimeMs < builtAt - 86_400_000) rmSync(path, { force: true });
  }
  return { bundle: join(outdir, 'tenantwatch.js'), sources: inputs.length };
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const { bundle, sources } = await buildServer(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`built ${relative(process.cwd(), bundle)} from ${sources} sources in ${Math.round(performance.now() - started)} ms`);
}
