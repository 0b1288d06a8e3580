/**
 * `npm run bench:ingest`: `tenantwatch import` of a Search-UnifiedAuditLog sign-in export
 * (BENCH_RECORDS records, 100,000 by default: 500 users, 7 addresses, 10% failed sign-ins,
 * seeded so anyone gets the same file) into a fresh import-only tenant, through the real command
 * line in a child process: on PGlite (a fresh data dir) and on Postgres (a fresh database next to
 * DATABASE_URL, or postgres://postgres@127.0.0.1:5432/postgres, dropped afterwards). Prints the
 * import's records/s, the statements it sent per 1,000 records, its peak RSS (and PGlite's WASM
 * memory apart), and beside them, measured in the same run: JSON.parse alone, the import's own
 * parse + normalise (no database), and the bare activity insert rate (bench/db-write.ts's).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase, type Database } from '../db/client.ts';
import { importRun, msp, securityEvent, tenant } from '../db/schema/index.ts';
import { routeImportRecord } from '../services/collector/import/entra-exports.ts';
import { openAuditFile } from '../services/collector/import/read-audit-file.ts';
import { normalizeRecord } from '../services/collector/normalize/index.ts';
import { createPostgresDatabase, dropPostgresDatabase, TEST_SECRET_KEY } from '../test/helpers/database.ts';
import { CLI } from '../test/helpers/process.ts';
import { SIGN_IN_EXPORT, writeSignInExport } from '../test/helpers/sign-in-export.ts';
import { activityWriteRate } from './activity-write-rate.ts';
import { fmt, header, mb } from './util.ts';

const RECORDS = Number(process.env.BENCH_RECORDS ?? SIGN_IN_EXPORT.records);
const BARE_ROWS = Number(process.env.BENCH_ROWS ?? 50_000);
const POSTGRES = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const PROBE = fileURLToPath(new URL('./ingest-probe.js', import.meta.url));

type Probe = { statements: number; peakHeapBytes: number; pgliteWasmBytes: number; peakRssBytes: number; cpuMicros: number };
type ImportFigures = {
  seconds: number;
  wallSeconds: number;
  probe: Probe;
  run: typeof importRun.$inferSelect;
  events: number;
  bare: number;
  pgStats?: { xactCommit: number; tupInserted: number; tupUpdated: number };
};

/** A fresh MSP and import-only tenant; the tenant's id for `--tenant`. */
async function newTenant(database: Database): Promise<string> {
  await database.migrate();
  const [m] = await database.db.insert(msp).values({ name: 'bench' }).returning();
  const guid = randomUUID();
  await database.db
    .insert(tenant)
    .values({ mspId: m!.id, tenantGuid: guid, name: 'Contoso (investigation)', primaryDomain: 'contoso.com', authMode: 'consent', importOnly: true });
  return guid;
}

/** `tenantwatch import` in a child process, as a person runs it; the probe's figures. */
async function runImportCli(file: string, tenantGuid: string, env: Record<string, string>): Promise<{ wallSeconds: number; probe: Probe; stdout: string }> {
  const probeOut = join(tmpdir(), `tw-bench-probe-${randomUUID()}.json`);
  const start = performance.now();
  const child = spawn(process.execPath, ['--import', PROBE, CLI, 'import', file, '--tenant', tenantGuid], {
    env: { ...process.env, TW_SECRET_KEY: TEST_SECRET_KEY, TW_LOG_LEVEL: 'silent', TW_DEMO: 'off', ...env, TW_BENCH_PROBE_OUT: probeOut },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  const wallSeconds = (performance.now() - start) / 1000;
  if (code !== 0) throw new Error(`tenantwatch import exited with ${code}:\n${stdout}\n${stderr}`);
  const probe = JSON.parse(readFileSync(probeOut, 'utf8')) as Probe;
  rmSync(probeOut, { force: true });
  return { wallSeconds, probe, stdout };
}

/** The import's own run record (its start and end) and the events in the tenant. */
async function importOutcome(database: Database, tenantGuid: string) {
  const [t] = await database.db.select().from(tenant).where(eq(tenant.tenantGuid, tenantGuid));
  const [run] = await database.db.select().from(importRun).where(eq(importRun.tenantId, t!.id));
  const events = await database.db.$count(securityEvent, eq(securityEvent.tenantId, t!.id));
  if (!run || run.status !== 'done') throw new Error(`the import did not finish: ${JSON.stringify(run)}`);
  return { run, events, seconds: (run.finishedAt!.getTime() - run.startedAt!.getTime()) / 1000 };
}

async function onPglite(file: string): Promise<ImportFigures> {
  const bareDir = mkdtempSync(join(tmpdir(), 'tw-bench-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'tw-bench-'));
  try {
    const bareDb = await openDatabase({ dataDir: bareDir });
    const bare = await activityWriteRate(bareDb, BARE_ROWS).finally(() => bareDb.close());
    const setup = await openDatabase({ dataDir });
    const guid = await newTenant(setup).finally(() => setup.close());
    const { wallSeconds, probe } = await runImportCli(file, guid, { TW_DATA_DIR: dataDir, DATABASE_URL: '' });
    const after = await openDatabase({ dataDir });
    const outcome = await importOutcome(after, guid).finally(() => after.close());
    return { ...outcome, wallSeconds, probe, bare };
  } finally {
    rmSync(bareDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function databaseStats(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const read = async () => {
      await client.query('select pg_stat_clear_snapshot()');
      const { rows } = await client.query<{ x: string; i: string; u: string }>(
        'select xact_commit as x, tup_inserted as i, tup_updated as u from pg_stat_database where datname = current_database()',
      );
      return { xactCommit: Number(rows[0]!.x), tupInserted: Number(rows[0]!.i), tupUpdated: Number(rows[0]!.u) };
    };
    // A backend reports its counts as it exits, a moment after its client has: read until they settle.
    let last = await read();
    for (let i = 0; i < 20; i += 1) {
      await new Promise((r) => setTimeout(r, 250));
      const now = await read();
      if (JSON.stringify(now) === JSON.stringify(last)) return now;
      last = now;
    }
    return last;
  } finally {
    await client.end();
  }
}

async function onPostgres(file: string): Promise<ImportFigures | null> {
  let bareUrl: string;
  try {
    bareUrl = await createPostgresDatabase(POSTGRES);
  } catch (err) {
    console.log(`Postgres: skipped (${POSTGRES} does not answer: ${(err as Error).message}; set DATABASE_URL)`);
    return null;
  }
  const url = await createPostgresDatabase(POSTGRES);
  try {
    const bareDb = await openDatabase({ databaseUrl: bareUrl });
    const bare = await activityWriteRate(bareDb, BARE_ROWS).finally(() => bareDb.close());
    const setup = await openDatabase({ databaseUrl: url });
    const guid = await newTenant(setup).finally(() => setup.close());
    const before = await databaseStats(url);
    const { wallSeconds, probe } = await runImportCli(file, guid, { DATABASE_URL: url });
    const after = await databaseStats(url);
    const database = await openDatabase({ databaseUrl: url });
    const outcome = await importOutcome(database, guid).finally(() => database.close());
    const pgStats = {
      xactCommit: after.xactCommit - before.xactCommit,
      tupInserted: after.tupInserted - before.tupInserted,
      tupUpdated: after.tupUpdated - before.tupUpdated,
    };
    return { ...outcome, wallSeconds, probe, bare, pgStats };
  } finally {
    await dropPostgresDatabase(POSTGRES, bareUrl);
    await dropPostgresDatabase(POSTGRES, url);
  }
}

/** Records per second of wall time and per CPU-second (this process's), for `count` records since `start`. */
const rates = (count: number, start: number, cpu: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(cpu);
  return { wall: count / ((performance.now() - start) / 1000), cpu: count / ((used.user + used.system) / 1e6) };
};

/** JSON.parse alone over the file's first records (each wrapper, then its AuditData string). */
function jsonParseRate(file: string, sample: number) {
  const texts: string[] = [];
  // The first records only: enough for a steady rate, without holding the whole file.
  const head = Buffer.alloc(sample * 4096);
  const fd = openSync(file, 'r');
  const text = head.subarray(0, readSync(fd, head, 0, head.length, 0)).toString('utf8');
  closeSync(fd);
  // The generator writes one wrapper per `    {` … `    },` block.
  for (let at = text.indexOf('\n    {'); at >= 0 && texts.length < sample;) {
    const end = text.indexOf('\n    }', at);
    if (end < 0) break;
    texts.push(text.slice(at + 1, end + 6));
    at = text.indexOf('\n    {', end);
  }
  const start = performance.now();
  const cpu = process.cpuUsage();
  let passes = 0;
  do {
    for (const t of texts) JSON.parse((JSON.parse(t) as { AuditData: string }).AuditData);
    passes += 1;
  } while (performance.now() - start < 1_500);
  return rates(passes * texts.length, start, cpu);
}

/** The import's reading of the file (stream, parse, unwrap, route, normalise), no database. */
async function parseNormaliseRate(file: string) {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const audit = await openAuditFile(file);
  let n = 0;
  for await (const item of audit.items()) {
    if (!('record' in item)) continue;
    const routed = routeImportRecord(item.record);
    if ('reason' in routed) continue;
    if (normalizeRecord(routed.source, routed.raw).ok) n += 1;
  }
  return rates(n, start, cpu);
}

header(`ingest: tenantwatch import of ${fmt(RECORDS, 0)} Search-UnifiedAuditLog sign-in records`);
const dir = mkdtempSync(join(tmpdir(), 'tw-bench-ingest-'));
try {
  const file = join(dir, 'search-unifiedauditlog.json');
  const bytes = await writeSignInExport(file, { records: RECORDS });
  console.log(
    `file: ${mb(bytes)} (${fmt(bytes / RECORDS / 1024, 2)} KB a record as ConvertTo-Json writes it; ${SIGN_IN_EXPORT.users} users, ${SIGN_IN_EXPORT.addresses} addresses, ${SIGN_IN_EXPORT.failedShare * 100}% failed sign-ins, seed ${SIGN_IN_EXPORT.seed})`,
  );
  const parse = jsonParseRate(file, Math.min(RECORDS, 10_000));
  const normalise = await parseNormaliseRate(file);
  console.log(`JSON.parse alone (wrapper + AuditData): ${fmt(parse.wall, 0)} records/s (${fmt(parse.cpu, 0)} per CPU-second)`);
  console.log(
    `import read path alone (stream, decode, split, parse, route, normalise; no database): ${fmt(normalise.wall, 0)} records/s (${fmt(normalise.cpu, 0)} per CPU-second); JSON.parse / read path = ${fmt(parse.cpu / normalise.cpu, 1)}`,
  );

  const results: [string, ImportFigures | null][] = [
    ['PGlite', await onPglite(file)],
    ['Postgres', await onPostgres(file)],
  ];
  for (const [label, r] of results) {
    if (!r) continue;
    const perK = (n: number) => fmt((n / RECORDS) * 1000, 1);
    const rate = RECORDS / r.seconds;
    const cpuSeconds = r.probe.cpuMicros / 1e6;
    console.log(`${label}:`);
    console.log(
      `  import: ${fmt(rate, 0)} records/s (${fmt(r.seconds, 1)} s; the process ${fmt(r.wallSeconds, 1)} s with start-up and migration check, ${fmt(cpuSeconds, 1)} CPU-seconds, ${fmt(RECORDS / cpuSeconds, 0)} records per CPU-second of the whole process); ${fmt(r.run.imported, 0)} imported, ${fmt(r.run.eventsCreated, 0)} events raised, ${fmt(r.run.eventsUpdated, 0)} event updates, ${fmt(r.events, 0)} events in the tenant`,
    );
    console.log(
      `  statements: ${perK(r.probe.statements)} per 1,000 records (${fmt(r.probe.statements, 0)} in all)` +
        (r.pgStats
          ? `; server: ${perK(r.pgStats.xactCommit)} commits, ${perK(r.pgStats.tupInserted)} rows inserted, ${perK(r.pgStats.tupUpdated)} rows updated per 1,000 records`
          : ''),
    );
    console.log(
      `  memory: peak RSS ${mb(r.probe.peakRssBytes)}, V8 heap peak ${mb(r.probe.peakHeapBytes)}` +
        (r.probe.pgliteWasmBytes > 0 ? `, of which PGlite's WASM memory ${mb(r.probe.pgliteWasmBytes)}` : ''),
    );
    console.log(
      `  bare activity insert (same run, ${fmt(BARE_ROWS, 0)} rows): ${fmt(r.bare, 0)} rows/s; import / bare insert = ${fmt(rate / r.bare, 2)}; import / read path = ${fmt(rate / normalise.wall, 3)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
