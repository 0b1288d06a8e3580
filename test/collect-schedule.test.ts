import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { activity, securityEvent, tenant } from '../db/schema/index.ts';
import { createTokenProvider } from '../services/microsoft/token-provider.ts';
import { createLogger } from '../services/log.ts';
import { startM365Simulator, type M365Simulator } from '../services/sim/m365/index.ts';
import { becScenario, collectorConsent, CONTOSO } from '../services/sim/m365/scenarios/index.ts';
import { COLLECTOR_APP_ID, collectorApp } from './helpers/m365-sim.ts';
import { simulatorTls } from '../services/sim/m365/tls.ts';
import { dueTenants } from '../services/collector/schedule.ts';
import { PIPELINE_JOBS } from '../services/worker/pipeline-jobs.ts';
import { ensureQueues, startQueue, startWorkers, stopQueue, type PgBoss } from '../services/worker/queue.ts';
import { secrets } from './helpers/app.ts';
import { createTestDatabase } from './helpers/database.ts';
import { createIpIntel } from '../enrichment/ip/index.ts';
import { insertSimTenant, simConfig } from './helpers/sim-tenant.ts';
import { createConfiguredEntityLookup } from '../enrichment/lookup.ts';

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
  const row = await insertSimTenant(handle.database.db, CONTOSO.tenantId);
  tenantId = row.id;
  // A disabled tenant is never collected.
  await handle.database.db
    .insert(tenant)
    .values({ mspId: row.mspId, tenantGuid: crypto.randomUUID(), name: 'Off', primaryDomain: 'off.example', authMode: 'consent', status: 'disabled' });
});
afterAll(async () => {
  await sim.close();
  await handle.drop();
});

test('the scheduler queues due tenants once; workers collect and detect; collected tenants are not due again until the interval passes', async () => {
  const config = simConfig(sim.url);
  boss = await startQueue(handle.database, log, { schedule: false });
  const tokens = createTokenProvider(config, secrets);
  const ipIntel = createIpIntel(config.ipIntel);
  const deps = { database: handle.database, log, config, boss, tokens, ipIntel, lookup: createConfiguredEntityLookup(config, { tokens, ipIntel }) };
  expect(await dueTenants(handle.database.db, 5)).toEqual([tenantId]);

  await ensureQueues(boss, PIPELINE_JOBS);
  // Twice in a row: the singleton key keeps one queued job for the tenant.
  await PIPELINE_JOBS['collect.schedule'].run({}, deps);
  await PIPELINE_JOBS['collect.schedule'].run({}, deps);
  expect(await boss.getQueueSize('collect.tenant')).toBe(1);

  await startWorkers(boss, PIPELINE_JOBS, deps, { concurrency: 2, pollingIntervalSeconds: 0.5 });
  await expect
    .poll(async () => (await handle.database.db.select({ id: activity.id }).from(activity).where(eq(activity.tenantId, tenantId))).length, {
      timeout: 60_000,
      interval: 500,
    })
    .toBeGreaterThan(100);
  await expect.poll(async () => dueTenants(handle.database.db, 5), { timeout: 60_000, interval: 500 }).toEqual([]);
  // The pass handed what it stored to detection: the business email compromise raises events.
  await expect
    .poll(
      async () =>
        (await handle.database.db.select({ d: securityEvent.detectionId }).from(securityEvent).where(eq(securityEvent.tenantId, tenantId))).map((e) => e.d),
      {
        timeout: 60_000,
        interval: 500,
      },
    )
    .toContain('M365.Exchange.InboxRuleExternalForwarding');
  // Once the interval has passed, the tenant is due again.
  expect(await dueTenants(handle.database.db, 5, new Date(Date.now() + 6 * 60_000))).toEqual([tenantId]);
  await stopQueue(boss, 5);
}, 120_000);
