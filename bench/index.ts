/**
 * `npm run bench`: every benchmark in bench/ (each `*.ts` but this file and util.ts), one after
 * the other in a process of its own, its output passed through; then one table of the figures
 * they reported (util.ts `reportFigure`) written to bench/RESULTS.md. A new benchmark joins by
 * being a file here that reports its figures.
 *
 * BENCH_ONLY=collect,startup runs only those; the benchmarks' own settings (BENCH_TENANTS,
 * DATABASE_URL, ...) pass through to them.
 */
import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Figure, FIGURE_PREFIX, fmt } from './util.ts';

const DIR = fileURLToPath(new URL('.', import.meta.url));
// Modules the benchmarks share, not benchmarks themselves.
const NOT_BENCHMARKS = new Set(['index.ts', 'util.ts', 'activity-write-rate.ts', 'signin-records.ts']);
// The simulator-backed collection cycle runs last: it is the longest and loads the machine most.
const LAST = ['collect.ts'];
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim().replace(/\.ts$/, '') + '.ts');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !NOT_BENCHMARKS.has(f) && (!only || only.includes(f)))
  .sort((a, b) => Number(LAST.includes(a)) - Number(LAST.includes(b)) || a.localeCompare(b));

const startedAt = new Date();
console.log(`Tenantwatch benchmarks: node ${process.version}, ${cpus().length} cores, ${startedAt.toISOString()}: ${files.join(', ')}`);

type Outcome = { file: string; figures: Figure[]; exitCode: number | null; seconds: number };
const outcomes: Outcome[] = [];
for (const file of files) {
  const started = performance.now();
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(new URL(file, import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const figures: Figure[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith(FIGURE_PREFIX)) figures.push(JSON.parse(line.slice(FIGURE_PREFIX.length)) as Figure);
    else console.log(line);
  });
  const exitCode = await new Promise<number | null>((resolve) => child.once('close', resolve));
  outcomes.push({ file, figures, exitCode, seconds: (performance.now() - started) / 1000 });
}

const cell = (s: string) => s.replaceAll('|', '\\|');
const value = (n: number, unit: string) => `${fmt(n, n >= 100 ? 0 : 2)} ${unit}`;
const rows = outcomes.flatMap(({ figures }) =>
  figures.map((f) =>
    [
      f.figure,
      value(f.value, f.unit),
      f.goal ?? '',
      f.baselineValue === undefined ? (f.baseline ?? '') : `${value(f.baselineValue, f.unit)} (${f.baseline ?? 'baseline'})`,
      f.baselineValue ? `${fmt(f.value / f.baselineValue, 2)}` : '',
      `\`${f.command}\``,
    ]
      .map(cell)
      .join(' | '),
  ),
);
const runs = outcomes.map(
  (o) =>
    `- bench/${o.file}: ${o.exitCode === 0 ? 'ok' : `exited with ${o.exitCode}`} in ${fmt(o.seconds, 0)} s, ${o.figures.length === 0 ? 'no figures reported' : `${o.figures.length} figure${o.figures.length === 1 ? '' : 's'}`}`,
);
const settings = Object.entries(process.env)
  .filter(([k]) => k.startsWith('BENCH_') || k === 'DATABASE_URL')
  .map(([k, v]) => `${k}=${k === 'DATABASE_URL' ? '(set: Postgres)' : v}`);
writeFileSync(
  new URL('RESULTS.md', import.meta.url),
  [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${startedAt.toISOString()}: node ${process.version}, ${cpus().length} cores${settings.length ? `, ${settings.join(', ')}` : ''}.`,
    'Each baseline was measured in the same run; ratio = value ÷ baseline.',
    '',
    '| figure | value | goal | baseline (same run) | ratio | command |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r} |`),
    '',
    'Benchmarks run:',
    '',
    ...runs,
    '',
  ].join('\n'),
);
console.log(`\nbench/RESULTS.md: ${rows.length} figures from ${outcomes.length} benchmarks`);
if (outcomes.some((o) => o.exitCode !== 0)) process.exitCode = 1;
