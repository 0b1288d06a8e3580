import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { afterAll, expect, test } from 'vitest';
import { openDatabase, type Database } from '../db/client.ts';
import { activity, tenant } from '../db/schema/index.ts';
import { createLogger } from '../services/log.ts';
import { startM365Simulator, type M365Simulator } from '../services/sim/m365/index.ts';
import { baselineScenario, collectorConsent } from '../services/sim/m365/scenarios/index.ts';
import { simulatorTls } from '../services/sim/m365/tls.ts';
import { startQueue, stopQueue, type PgBoss } from '../services/worker/queue.ts';
import { createPostgresDatabase, dropPostgresDatabase, TEST_SECRET_KEY } from './helpers/database.ts';
import { COLLECTOR_APP_ID, collectorApp } from './helpers/m365-sim.ts';
import { CLI } from './helpers/process.ts';
import { simulatorRecordIds } from './helpers/sim-records.ts';
import { insertSimTenant } from './helpers/sim-tenant.ts';

/**
 * Three `tenantwatch worker` processes share one Postgres and collect 50 simulated tenants; one is
 * killed with SIGKILL mid-run. Its passes expire and are collected again by the others: every
 * record is stored exactly once, and the simulator saw no tenant collected by two processes at once.
 *
 * Each worker reaches the simulator through a TCP relay of its own, so the simulator's request log
 * (the client port of each request) tells which process made it.
 */
const TENANTS = 50;
const WORKERS = 3;
const EXPIRY_SECONDS = 15;
const tenantGuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

let sim: M365Simulator | undefined;
let databaseUrl: string | undefined;
let database: Database | undefined;
let boss: PgBoss | undefined;
const relays: Server[] = [];
const workers: ChildProcess[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'tw-workers-'));

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  if (boss) await stopQueue(boss, 1);
  await database?.close();
  for (const r of relays) r.close();
  await sim?.close();
  if (databaseUrl) await dropPostgresDatabase(process.env.DATABASE_URL!, databaseUrl);
  rmSync(dataDir, { recursive: true, force: true });
});

/** A TCP relay to the simulator; every connection it opens is noted as the worker's. */
async function startRelay(simPort: number, worker: number, portOwner: Map<number, number>): Promise<number> {
  const server = createServer((client) => {
    const upstream = connect(simPort, '127.0.0.1', () => portOwner.set(upstream.localPort!, worker));
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  relays.push(server);
  return (server.address() as { port: number }).port;
}

/** Resolves when the worker has said it takes jobs. */
function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'worker'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  workers.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('worker is taking jobs')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}:\n${output}`)));
  });
}

async function collectJobsPending(b: PgBoss): Promise<number> {
  const { rows } = (await b
    .getDb()
    .executeSql(`select count(*)::int as n from pgboss.job where name = 'collect.tenant' and state in ('created', 'retry', 'active')`, [])) as {
    rows: { n: number }[];
  };
  return rows[0]!.n;
}

test.skipIf(!process.env.DATABASE_URL)(
  'three worker processes on one Postgres, one killed with SIGKILL mid-run: every record once, no tenant collected by two at once (Postgres only: a PGlite data dir belongs to one process)',
  async () => {
    // The simulator follows real time, like Microsoft: the scenarios' day is yesterday.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const scenarios = Array.from({ length: TENANTS }, (_, i) => ({
      ...baselineScenario({
        seed: `workers-${i}`,
        day: yesterday,
        users: 3,
        consents: [collectorConsent(COLLECTOR_APP_ID)],
        tenant: { tenantId: tenantGuid(i), displayName: `Tenant ${i}`, initialDomain: `t${i}.onmicrosoft.com`, domain: `t${i}.example` },
      }),
      // Slow answers stretch each pass, so the kill lands while the victim has tenants in hand.
      faults: { rules: [{ kind: 'delay' as const, rate: 1, delayMs: 60 }], delivery: {} },
    }));
    sim = await startM365Simulator({ tls: simulatorTls(), apps: [collectorApp()], tenants: scenarios, requestLogLimit: 1_000_000 });
    const simPort = Number(new URL(sim.url).port);

    databaseUrl = await createPostgresDatabase(process.env.DATABASE_URL!);
    database = await openDatabase({ databaseUrl, poolSize: 2 });
    await database.migrate();
    const first = await insertSimTenant(database.db, tenantGuid(0), { name: 'Tenant 0' });
    for (let i = 1; i < TENANTS; i++) await insertSimTenant(database.db, tenantGuid(i), { mspId: first.mspId, name: `Tenant ${i}` });

    const portOwner = new Map<number, number>();
    const started = await Promise.all(
      Array.from({ length: WORKERS }, async (_, w) => {
        const url = `https://127.0.0.1:${await startRelay(simPort, w, portOwner)}`;
        return startWorker({
          DATABASE_URL: databaseUrl!,
          TW_DATA_DIR: dataDir,
          TW_SECRET_KEY: TEST_SECRET_KEY,
          TW_DEMO: 'off',
          TW_LOGIN_URL: url,
          TW_GRAPH_URL: url,
          TW_MANAGEMENT_URL: url,
          TW_EXCHANGE_URL: url,
          TW_COLLECT_BACKFILL_DAYS: '2',
          TW_COLLECT_CONCURRENCY: '4',
          TW_COLLECT_JOB_EXPIRY_SECONDS: String(EXPIRY_SECONDS),
          TW_QUEUE_MAINTENANCE_SECONDS: '1',
          TW_LOG_LEVEL: 'info',
        });
      }),
    );
    const victim = started[0]!;
    const t0 = Date.now();
    const phase = (name: string) => console.log(`${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s after the workers took jobs`);

    // The scheduler's job, as its cron sends it: it queues every due tenant, once.
    boss = await startQueue(database, createLogger({ logLevel: 'silent' }), { schedule: false });
    await boss.send('collect.schedule', {});
    const byWorker = (w: number) => sim!.state.requestLog.filter((r) => r.tenantId && portOwner.get(r.clientPort ?? -1) === w).length;
    const deadline = Date.now() + 20_000;
    while (byWorker(0) < 40 && Date.now() < deadline) await sleep(50);
    expect(byWorker(0), 'the victim was collecting when killed').toBeGreaterThanOrEqual(40);
    victim.kill('SIGKILL');
    await once(victim, 'exit');
    phase('victim killed');

    // Ground truth: every record the simulator holds, as tenant|source|id.
    const expected = new Set<string>();
    for (let i = 0; i < TENANTS; i++)
      for (const id of simulatorRecordIds(sim.state.findTenant(tenantGuid(i))!, Date.now())) expected.add(`${tenantGuid(i)}|${id}`);
    const stored = async () => {
      const rows = await database!.db
        .select({ guid: tenant.tenantGuid, source: activity.source, recordId: activity.recordId })
        .from(activity)
        .innerJoin(tenant, eq(tenant.id, activity.tenantId));
      return rows.map((r) => `${r.guid}|${r.source}|${r.recordId}`);
    };
    // The dead worker's passes expire; the next schedule queues what they left due.
    const until = Date.now() + 45_000;
    let rows = await stored();
    while (Date.now() < until && !(rows.length >= expected.size && (await collectJobsPending(boss)) === 0)) {
      if ((await collectJobsPending(boss)) === 0) await boss.send('collect.schedule', {});
      await sleep(500);
      rows = await stored();
    }
    phase(`collection done (${rows.length} of ${expected.size} records)`);
    expect(new Set(rows).size, 'no record twice').toBe(rows.length);
    expect(new Set(rows)).toEqual(expected);

    // The simulator's log, tenant by tenant: each process's requests for a tenant form one run,
    // never interleaved with another's (which would be two passes at once).
    const runs = new Map<string, number[]>();
    for (const r of sim.state.requestLog) {
      const w = portOwner.get(r.clientPort ?? -1);
      if (!r.tenantId || w === undefined) continue;
      const seq = runs.get(r.tenantId) ?? [];
      if (seq.at(-1) !== w) seq.push(w);
      runs.set(r.tenantId, seq);
    }
    const interleaved = [...runs].filter(([, seq]) => new Set(seq).size !== seq.length);
    expect(interleaved, 'tenants collected by two processes at once').toEqual([]);
    expect(runs.size).toBe(TENANTS);
    // The kill left work behind that the other workers finished.
    const takenOver = [...runs.values()].filter((seq) => seq.length > 1 && seq[0] === 0);
    expect(takenOver.length).toBeGreaterThan(0);
  },
  180_000,
);
