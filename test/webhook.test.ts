import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { and, eq } from 'drizzle-orm';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { collectorCheckpoint } from '../db/schema/index.ts';
import { createNodeApp } from '../services/api/node.ts';
import { createTokenProvider } from '../services/microsoft/token-provider.ts';
import { runOnboardingCheck, webhookAuthId } from '../services/collector/onboarding-check.ts';
import { loadConfig } from '../services/config.ts';
import { createLogger } from '../services/log.ts';
import { startM365Simulator, type M365Simulator } from '../services/sim/m365/index.ts';
import { becScenario, collectorConsent, CONTOSO } from '../services/sim/m365/scenarios/index.ts';
import { COLLECTOR_APP_ID, collectorApp } from './helpers/m365-sim.ts';
import { simulatorTls } from '../services/sim/m365/tls.ts';
import { dueTenants } from '../services/collector/schedule.ts';
import { secrets } from './helpers/app.ts';
import { createTestDatabase, TEST_SECRET_KEY } from './helpers/database.ts';
import { insertSimTenant, simConfig } from './helpers/sim-tenant.ts';
import { collectionQueue, PIPELINE_JOBS } from '../services/worker/pipeline-jobs.ts';
import { ensureQueues, startQueue, stopQueue, type PgBoss } from '../services/worker/queue.ts';

/**
 * Near real time: the Management Activity API's webhook handshake and notifications, from the
 * simulator to Tenantwatch's receiver over real HTTP.
 */
let handle: Awaited<ReturnType<typeof createTestDatabase>>;
let sim: M365Simulator;
let server: ServerType;
let publicUrl: string;
let tenantId: string;
let boss: PgBoss;

beforeAll(async () => {
  handle = await createTestDatabase();
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  sim = await startM365Simulator({
    tls: simulatorTls(),
    apps: [collectorApp()],
    tenants: [becScenario({ consents: [collectorConsent(COLLECTOR_APP_ID)], users: 5, day: yesterday })],
  });
  tenantId = (await insertSimTenant(handle.database.db, CONTOSO.tenantId)).id;
  // The receiver is the real app on a real port (Microsoft calls it from outside).
  const config = loadConfig({ TW_SECRET_KEY: TEST_SECRET_KEY, TW_LOG_LEVEL: 'silent' });
  // The queue without workers: the test reads the collection job the notification queued.
  boss = await startQueue(handle.database, createLogger(config), { schedule: false });
  await ensureQueues(boss, PIPELINE_JOBS);
  const app = createNodeApp({
    config,
    database: handle.database,
    secrets,
    log: createLogger(config),
    metrics: new Registry(),
    collectionQueue: collectionQueue(boss, config.collect.jobExpirySeconds),
  });
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await stopQueue(boss, 1);
  await sim.close();
  await handle.drop();
});

test('verify starts subscriptions with the webhook; a notification makes the source due now and queues its collection', async () => {
  const config = simConfig(sim.url, { TW_PUBLIC_URL: publicUrl, TW_AUDIT_WEBHOOKS: 'on' });
  const report = await runOnboardingCheck({ db: handle.database.db, config, tokens: createTokenProvider(config, secrets), secrets }, tenantId);
  // Each start made the simulator run the validation handshake against our receiver.
  expect(report.subscriptions).toEqual(
    ['Audit.AzureActiveDirectory', 'Audit.Exchange', 'Audit.SharePoint', 'Audit.General'].map((contentType) => ({
      contentType,
      status: 'enabled',
      webhook: true,
    })),
  );
  const list = sim.state.findTenant(CONTOSO.tenantId)!.subscriptions.get('Audit.Exchange')!;
  expect(list.webhook).toMatchObject({ status: 'enabled', address: `${publicUrl}/api/webhooks/management-activity`, authId: webhookAuthId(secrets, tenantId) });

  // Collected a moment ago: not due by the interval.
  await handle.database.db.insert(collectorCheckpoint).values({ tenantId, source: 'Audit.Exchange', lastAttemptAt: new Date(), lastSuccessAt: new Date() });
  expect(await dueTenants(handle.database.db, 5)).toEqual([tenantId]); // other sources never attempted
  await handle.database.db.insert(collectorCheckpoint).values(
    (
      [
        'Audit.AzureActiveDirectory',
        'Audit.SharePoint',
        'Audit.General',
        'graph.signIns',
        'graph.directoryAudits',
        'graph.alerts_v2',
        'graph.riskDetections',
        'graph.riskyUsers',
      ] as const
    ).map((source) => ({
      tenantId,
      source,
      lastAttemptAt: new Date(),
    })),
  );
  expect(await dueTenants(handle.database.db, 5)).toEqual([]);

  // New content: the simulator notifies the receiver, which marks Audit.Exchange due now.
  const now = new Date(sim.state.now()).toISOString().slice(0, 19);
  const inject = await fetch(`${sim.url}/_sim/tenants/${CONTOSO.tenantId}/audit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      records: [
        {
          Id: crypto.randomUUID(),
          CreationTime: now,
          Operation: 'Set-Mailbox',
          RecordType: 1,
          Workload: 'Exchange',
          UserId: 'admin@contoso.com',
          ResultStatus: 'True',
          OrganizationId: CONTOSO.tenantId,
          UserType: 2,
          UserKey: '1003',
          Version: 1,
          ObjectId: 'adele',
        },
      ],
    }),
  });
  expect(inject.status).toBe(201);
  await sim.drainWebhooks();
  await expect
    .poll(
      async () => {
        const [cp] = await handle.database.db
          .select()
          .from(collectorCheckpoint)
          .where(and(eq(collectorCheckpoint.tenantId, tenantId), eq(collectorCheckpoint.source, 'Audit.Exchange')));
        return cp?.nextAttemptAt !== null;
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  expect(await dueTenants(handle.database.db, 5)).toEqual([tenantId]);
  // Collected at once, not at the next scheduler tick: the receiver queued the tenant's pass.
  const jobs = await boss.fetch<{ tenantId: string }>('collect.tenant', { batchSize: 5 });
  expect(jobs.map((j) => j.data)).toEqual([{ tenantId }]);
}, 60_000);

test('the receiver refuses notifications without a valid Webhook-AuthID', async () => {
  const post = (headers: Record<string, string>) =>
    fetch(`${publicUrl}/api/webhooks/management-activity`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '[]' });
  expect((await post({})).status).toBe(401);
  expect((await post({ 'webhook-authid': `${tenantId}.forged` })).status).toBe(401);
  expect((await post({ 'webhook-authid': webhookAuthId(secrets, tenantId) })).status).toBe(200);
  const bad = await fetch(`${publicUrl}/api/webhooks/management-activity`, {
    method: 'POST',
    headers: { 'webhook-authid': webhookAuthId(secrets, tenantId) },
    body: '{not json',
  });
  expect(bad.status).toBe(400);
});
