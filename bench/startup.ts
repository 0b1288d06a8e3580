/**
 * `npm run bench:startup`: how fast the compiled build starts, beside the same commands run from
 * the TypeScript sources through tsx (TW_FROM_SOURCE=1) as the baseline.
 *
 * - `tenantwatch --help`, wall time (median of BENCH_RUNS, default 5). Goal: under 0.5 s.
 * - `tenantwatch start` on an existing data dir (migrated, demo on, as `npm start` runs it after
 *   its build) until /healthz answers 200, wall time (median of BENCH_START_RUNS, default 3).
 *   Goal: under 5 s.
 *
 * The build is made first (scripts/build.js), as `npm ci`/`npm start` make it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/process.ts';
import { fmt, header, reportFigure } from './util.ts';

const CLI = fileURLToPath(new URL('../bin/tenantwatch.js', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const START_RUNS = Number(process.env.BENCH_START_RUNS ?? 3);
const COMMAND = 'npm run bench:startup';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// @ts-expect-error a plain ES module without types
const { buildServer } = (await import('../scripts/build.js')) as { buildServer: () => Promise<{ sources: number }> };
const built = performance.now();
await buildServer();
const buildSeconds = (performance.now() - built) / 1000;

function helpSeconds(env: Record<string, string>): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, [CLI, '--help'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`tenantwatch --help exited with ${r.status}: ${r.stderr.toString()}`);
  return (performance.now() - started) / 1000;
}

/** `tenantwatch start` until /healthz answers 200; then a graceful stop. */
async function startSeconds(dataDir: string, env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'start'], {
    env: { ...process.env, TW_DATA_DIR: dataDir, PORT: String(port), TW_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`tenantwatch start exited with ${child.exitCode}: ${stderr}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return (performance.now() - started) / 1000;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

header(`start-up (compiled build from scripts/build.js in ${fmt(buildSeconds, 1)} s; baseline: the sources through tsx)`);
const SOURCE = { TW_FROM_SOURCE: '1' };
const help = { build: [] as number[], tsx: [] as number[] };
for (let i = 0; i < RUNS; i++) {
  help.build.push(helpSeconds({}));
  help.tsx.push(helpSeconds(SOURCE));
}
console.log(`tenantwatch --help: ${fmt(median(help.build), 2)} s (tsx: ${fmt(median(help.tsx), 2)} s), median of ${RUNS}`);
reportFigure({
  figure: 'tenantwatch --help, wall time',
  value: Number(median(help.build).toFixed(3)),
  unit: 's',
  goal: 'under 0.5 s',
  baseline: 'the same through tsx',
  baselineValue: Number(median(help.tsx).toFixed(3)),
  command: COMMAND,
});

const dataDir = mkdtempSync(join(tmpdir(), 'tw-bench-startup-'));
try {
  // An existing data dir: migrated, its secret key and demo certificate made by a first start.
  const migrate = spawnSync(process.execPath, [CLI, 'migrate'], { env: { ...process.env, TW_DATA_DIR: dataDir }, stdio: 'ignore' });
  if (migrate.status !== 0) throw new Error('tenantwatch migrate failed');
  await startSeconds(dataDir, {});
  const start = { build: [] as number[], tsx: [] as number[] };
  for (let i = 0; i < START_RUNS; i++) {
    start.build.push(await startSeconds(dataDir, {}));
    start.tsx.push(await startSeconds(dataDir, SOURCE));
  }
  console.log(`tenantwatch start to a healthy /healthz: ${fmt(median(start.build), 2)} s (tsx: ${fmt(median(start.tsx), 2)} s), median of ${START_RUNS}`);
  reportFigure({
    figure: 'tenantwatch start on an existing data dir to a healthy /healthz, wall time',
    value: Number(median(start.build).toFixed(3)),
    unit: 's',
    goal: 'under 5 s',
    baseline: 'the same through tsx',
    baselineValue: Number(median(start.tsx).toFixed(3)),
    command: COMMAND,
  });
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
