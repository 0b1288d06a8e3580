import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, expect, test } from 'vitest';
import { openDatabase, type Database } from '../db/client.ts';
import { activity } from '../db/schema/index.ts';
import { createPrng } from '../services/sim/m365/prng.ts';
import { startM365Simulator, type M365Simulator } from '../services/sim/m365/index.ts';
import { becScenario, collectorConsent, CONTOSO } from '../services/sim/m365/scenarios/index.ts';
import { COLLECTOR_APP_ID, collectorApp } from './helpers/m365-sim.ts';
import { simulatorTls } from '../services/sim/m365/tls.ts';
import { createPostgresDatabase, dropPostgresDatabase } from './helpers/database.ts';
import { insertSimTenant } from './helpers/sim-tenant.ts';
import { simulatorRecordIds } from './helpers/sim-records.ts';

/**
 * The collector process killed with SIGKILL at random moments and started again ends with
 * exactly the simulator's records: nothing lost, nothing twice.
 */
const CHILD = fileURLToPath(new URL('./helpers/collect-child.ts', import.meta.url));
const NOW = '2024-05-08T06:00:00Z';
const dataDir = mkdtempSync(join(tmpdir(), 'tw-crash-'));
let sim: M365Simulator | undefined;
let databaseUrl: string | undefined;

afterAll(async () => {
  await sim?.close();
  if (databaseUrl) await dropPostgresDatabase(process.env.DATABASE_URL!, databaseUrl);
  rmSync(dataDir, { recursive: true, force: true });
});

const open = (): Promise<Database> => (databaseUrl ? openDatabase({ databaseUrl, poolSize: 2 }) : openDatabase({ dataDir }));

test('killed with SIGKILL at 5 random points and restarted, the collector stores exactly the simulator records', async () => {
  // Slow answers on some calls stretch a run out, so the kills land in the middle of it.
  const scenario = {
    ...becScenario({ consents: [collectorConsent(COLLECTOR_APP_ID)], users: 40 }),
    faults: {
      rules: [{ kind: 'delay' as const, rate: 0.5, delayMs: 150 }],
      delivery: { duplicateRate: 0.1, lateRate: 0.1, lateMinutes: [60, 300] as [number, number] },
    },
  };
  sim = await startM365Simulator({ tls: simulatorTls(), clock: { start: NOW, frozen: true }, apps: [collectorApp()], tenants: [scenario] });
  if (process.env.DATABASE_URL) databaseUrl = await createPostgresDatabase(process.env.DATABASE_URL);

  let database = await open();
  await database.migrate();
  const t = await insertSimTenant(database.db, CONTOSO.tenantId);
  // PGlite's files belong to one process at a time: the child's.
  await database.close();

  const env = {
    ...process.env,
    CHILD_SIM_URL: sim.url,
    CHILD_TENANT_ID: t.id,
    CHILD_NOW: NOW,
    ...(databaseUrl ? { CHILD_DATABASE_URL: databaseUrl } : { CHILD_DATA_DIR: dataDir }),
  };
  const run = () => spawn(process.execPath, ['--import', 'tsx', CHILD], { env, stdio: ['ignore', 'pipe', 'pipe'] });

  const prng = createPrng('crash-points');
  let kills = 0;
  for (let attempt = 0; kills < 5 && attempt < 15; attempt++) {
    const child = run();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    // Somewhere between start-up and well into the collection.
    const delay = 1_500 + Math.floor(prng.next() * 3_000);
    const timer = setTimeout(() => child.kill('SIGKILL'), delay);
    const [code, signal] = (await exited) as [number | null, string | null];
    clearTimeout(timer);
    if (signal === 'SIGKILL') kills += 1;
    else expect(code, stderr).toBe(0);
  }
  expect(kills).toBe(5);

  const final = run();
  let out = '';
  let err = '';
  final.stdout.on('data', (d: Buffer) => (out += d.toString()));
  final.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await once(final, 'exit')) as [number];
  expect(code, err).toBe(0);
  expect(out.trim().split('\n').at(-1)).not.toContain('failed');

  database = await open();
  try {
    const rows = await database.db.select({ source: activity.source, recordId: activity.recordId }).from(activity).where(eq(activity.tenantId, t.id));
    const expected = simulatorRecordIds(sim.state.findTenant(CONTOSO.tenantId)!, Date.parse(NOW));
    const stored = rows.map((r) => `${r.source}|${r.recordId}`);
    expect(new Set(stored).size, 'duplicates').toBe(stored.length);
    expect(new Set(stored)).toEqual(expected);
  } finally {
    await database.close();
  }
}, 240_000);
