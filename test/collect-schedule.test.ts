import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { activity, msp, tenant } from '../db/schema/index.ts';
import { createTokenProvider } from '../services/collector/microsoft/token-provider.ts';
import { loadConfig } from '../services/config.ts';
import { createLogger } from '../services/log.ts';
import { startM365Simulator, type M365Simulator } from '../services/sim/m365/index.ts';
import { becScenario, collectorConsent, CONTOSO } from '../services/sim/m365/scenarios/index.ts';
import { COLLECTOR_APP_ID, COLLECTOR_SECRET, collectorApp } from '../services/sim/m365/test-support.ts';
import { simulatorTls } from '../services/sim/m365/tls.ts';
import { dueTenants, PIPELINE_JOBS } from '../services/worker/pipeline-jobs.ts';
import { ensureQueues, startQueue, startWorkers, stopQueue, type PgBoss } from '../services/worker/queue.ts';
import { secrets } from './helpers/app.ts';
import { createTestDatabase, TEST_SECRET_KEY } from './helpers/database.ts';

/** Collection as the running product does it: the scheduler job queues tenants, workers collect. */
let handle: Awaited<ReturnType<typeof createTestDatabase>>;
let sim: M365Simulator;
let boss: PgBoss;
let tenantId: string;
const log = createLogger({ logLevel: 'silent' });

beforeAll(async () => {
  handle = await createTestDatabase();
  // The simulator follows real time here, like Microsoft: the scenario's day is yesterday.
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  sim = await startM365Simulator({
    tls: simulatorTls(),
    apps: [collectorApp()],
    tenants: [becScenario({ consents: [collectorConsent(COLLECTOR_APP_ID)], users: 10, day: yesterday })],
  });
  const [m] = await handle.database.db.insert(msp).values({ name: 'Northwind' }).returning();
  const [t] = await handle.database.db
    .insert(tenant)
    .values({
      mspId: m!.id,
      tenantGuid: CONTOSO.tenantId,
      name: 'Contoso',
      primaryDomain: 'contoso.com',
      authMode: 'secret',
      clientId: COLLECTOR_APP_ID,
      credentialsEnc: secrets.seal(JSON.stringify({ clientSecret: COLLECTOR_SECRET })),
    })
    .returning();
  tenantId = t!.id;
  // A disabled tenant is never collected.
  await handle.database.db.insert(tenant).values({ mspId: m!.id, tenantGuid: crypto.randomUUID(), name: 'Off', primaryDomain: 'off.example', authMode: 'consent', status: 'disabled' });
});
afterAll(async () => {
  await sim.close();
  await handle.drop();
});

test('the scheduler queues due tenants once; workers collect them; collected tenants are not due again until the interval passes', async () => {
  const config = loadConfig({ TW_SECRET_KEY: TEST_SECRET_KEY, TW_LOGIN_URL: sim.url, TW_GRAPH_URL: sim.url, TW_MANAGEMENT_URL: sim.url, TW_COLLECT_BACKFILL_DAYS: '7' });
  boss = await startQueue(handle.database, log, { schedule: false });
  const deps = { database: handle.database, log, config, boss, tokens: createTokenProvider(config, secrets) };
  expect(await dueTenants(handle.database.db, 5)).toEqual([tenantId]);

  await ensureQueues(boss, PIPELINE_JOBS);
  // Twice in a row: the singleton key keeps one queued job for the tenant.
  await PIPELINE_JOBS['collect.schedule'].run({}, deps);
  await PIPELINE_JOBS['collect.schedule'].run({}, deps);
  expect((await boss.getQueueSize('collect.tenant'))).toBe(1);

  await startWorkers(boss, PIPELINE_JOBS, deps, { concurrency: 2, pollingIntervalSeconds: 0.5 });
  await expect
    .poll(async () => (await handle.database.db.select({ id: activity.id }).from(activity).where(eq(activity.tenantId, tenantId))).length, { timeout: 60_000, interval: 500 })
    .toBeGreaterThan(100);
  await expect.poll(async () => dueTenants(handle.database.db, 5), { timeout: 60_000, interval: 500 }).toEqual([]);
  // Once the interval has passed, the tenant is due again.
  expect(await dueTenants(handle.database.db, 5, new Date(Date.now() + 6 * 60_000))).toEqual([tenantId]);
  await stopQueue(boss, 5);
}, 120_000);
