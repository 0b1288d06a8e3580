import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { detectionSettings, detectionState, eventActivity, msp, securityEvent, tenant } from '../../db/schema/index.ts';
import { createTestDatabase, TEST_SECRET_KEY } from '../../test/helpers/database.ts';
import { secrets } from '../../test/helpers/app.ts';
import { ingestRecords } from '../collector/ingest.ts';
import { createTokenProvider } from '../microsoft/token-provider.ts';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { PIPELINE_JOBS, sendForDetection } from '../worker/pipeline-jobs.ts';
import { undetectedActivity } from './sweep.ts';
import { ensureQueues, startQueue, startWorkers, stopQueue } from '../worker/queue.ts';
import { detectActivity } from './engine.ts';
import { graphSignIn, inboxRule, ualSignIn } from './rules/fixtures/case-records.ts';
import { createIpIntel } from '../../enrichment/ip/index.ts';
import type { CaseRecord } from './types.ts';
import { createConfiguredEntityLookup } from '../../enrichment/lookup.ts';

/** The engine against a real database: state across batches, idempotency, dedup windows, settings, the queue. */
let handle: Awaited<ReturnType<typeof createTestDatabase>>;
const log = createLogger({ logLevel: 'silent' });

beforeAll(async () => {
  handle = await createTestDatabase();
});
afterAll(async () => {
  await handle.drop();
});

async function newTenant() {
  const db = handle.database.db;
  const [m] = await db.insert(msp).values({ name: 'Northwind' }).returning();
  const [t] = await db
    .insert(tenant)
    .values({ mspId: m!.id, tenantGuid: crypto.randomUUID(), name: 'Contoso', primaryDomain: 'contoso.com', authMode: 'consent' })
    .returning();
  return { mspId: m!.id, tenantId: t!.id };
}

/** Stores records as the collector does and returns the new activity ids. */
async function store(target: { mspId: string; tenantId: string }, records: CaseRecord[]): Promise<string[]> {
  const ids: string[] = [];
  for (const source of new Set(records.map((r) => r.source))) {
    const summary = await ingestRecords(
      handle.database.db,
      target,
      source,
      records.filter((r) => r.source === source).map((r) => r.raw),
    );
    ids.push(...summary.insertedIds);
  }
  return ids;
}

const events = (tenantId: string) => handle.database.db.select().from(securityEvent).where(eq(securityEvent.tenantId, tenantId));

test('a spray split over batches, out of order and in both feeds, is remembered across runs and counted once per sign-in', async () => {
  const t = await newTenant();
  const db = handle.database.db;
  const ids = Array.from({ length: 12 }, (_, i) => `5a0e0000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`);
  const audit = ids.map((id, i) => ualSignIn({ user: `user${i}@contoso.com`, ip: '159.203.84.17', errorNumber: 50126, minutes: i, id }));
  const graph = ids.map((id, i) =>
    graphSignIn({ user: `user${i}@contoso.com`, ip: '159.203.84.17', errorCode: 50126, minutes: i, id, clientAppUsed: 'Other clients' }),
  );

  // First run: the later half only, from the audit log: 6 accounts, under the threshold of 10.
  const first = await store(t, audit.slice(6));
  expect(await detectActivity({ db, log }, first)).toMatchObject({ processed: 6, eventsCreated: 0 });
  expect(await events(t.tenantId)).toEqual([]);

  // A new run (a restart: nothing in memory) with the earlier half from Graph: 12 accounts.
  const second = await store(t, graph.slice(0, 6));
  expect(await detectActivity({ db, log }, second)).toMatchObject({ processed: 6, eventsCreated: 1 });
  // The rest of each feed: the same sign-ins again, linked but not counted twice.
  const third = await store(t, [...audit.slice(0, 6), ...graph.slice(6)]);
  await detectActivity({ db, log }, third);
  const [spray, ...others] = await events(t.tenantId);
  expect(others).toEqual([]);
  expect(spray).toMatchObject({
    detectionId: 'M365.AzureAD.PasswordSpray',
    dedupKey: '159.203.84.17',
    eventType: 'LoginAttempt',
    operationResult: 'PasswordInvalid',
  });
  const linked = await db.select().from(eventActivity).where(eq(eventActivity.eventId, spray!.id));
  // Run 2 crossed the threshold: its 6 sign-ins were linked and counted. Run 3 brought the same
  // 6 again from the other feed (linked, not counted) and 6 new ones (linked and counted). The
  // first 6 audit records were processed below the threshold and stay unlinked.
  expect(spray!.count).toBe(12);
  expect(linked).toHaveLength(18);

  // Everything again: no change to events, links or state.
  const stateBefore = await db.select().from(detectionState).where(eq(detectionState.tenantId, t.tenantId));
  expect(await detectActivity({ db, log }, [...first, ...second, ...third])).toMatchObject({ processed: 0, skipped: 24, eventsCreated: 0, eventsUpdated: 0 });
  expect(await events(t.tenantId)).toEqual([spray]);
  expect(await db.select().from(eventActivity).where(eq(eventActivity.eventId, spray!.id))).toHaveLength(linked.length);
  expect(await db.select().from(detectionState).where(eq(detectionState.tenantId, t.tenantId))).toHaveLength(stateBefore.length);
  // 12 failed sign-ins, remembered once each per series (by user, by IP) whatever the feed.
  expect(stateBefore.filter((s) => s.series === 'signin-failures-by-ip')).toHaveLength(12);
});

test('repeats within the window join the event; after it a new event starts and the old one keeps its place', async () => {
  const t = await newTenant();
  const db = handle.database.db;
  const forward = (name: string) => inboxRule({ user: 'megan.bowen@contoso.com', name, parameters: [['ForwardTo', 'x@fabrikam.com']] });
  const first = forward('a');
  const second = forward('b');
  (second.raw as { CreationTime: string }).CreationTime = '2024-05-06T18:00:00';
  await detectActivity({ db, log }, await store(t, [first, second]));
  let all = await events(t.tenantId);
  expect(all.map((e) => ({ rule: e.detectionId, count: e.count }))).toEqual([{ rule: 'M365.Exchange.InboxRuleExternalForwarding', count: 2 }]);

  const later = forward('c');
  (later.raw as { CreationTime: string }).CreationTime = '2024-05-09T09:00:00';
  await detectActivity({ db, log }, await store(t, [later]));
  all = await events(t.tenantId);
  expect(all).toHaveLength(2);
  expect(all.filter((e) => e.dedupKey === 'megan.bowen@contoso.com')).toHaveLength(1);
  expect(
    await db
      .select()
      .from(securityEvent)
      .where(and(eq(securityEvent.tenantId, t.tenantId), like(securityEvent.dedupKey, 'megan.bowen@contoso.com~%'))),
  ).toHaveLength(1);
});

test("a rule disabled in the tenant's settings does not run; thresholds come from settings", async () => {
  const t = await newTenant();
  const db = handle.database.db;
  await db.insert(detectionSettings).values({
    mspId: t.mspId,
    tenantId: t.tenantId,
    settings: { rules: { 'M365.Exchange.InboxRuleExternalForwarding': { enabled: false }, 'M365.AzureAD.BruteForce': { threshold: 3 } } },
  });
  const records = [
    inboxRule({ name: 'x', parameters: [['ForwardTo', 'x@fabrikam.com']] }),
    ...[0, 1, 2].map((i) => ualSignIn({ user: 'megan.bowen@contoso.com', ip: '185.220.101.4', errorNumber: 50126, minutes: i })),
  ];
  await detectActivity({ db, log }, await store(t, records));
  expect((await events(t.tenantId)).map((e) => e.detectionId)).toEqual(['M365.AzureAD.BruteForce']);
});

test('the detect.activity stage runs from the queue', async () => {
  const t = await newTenant();
  const ids = await store(t, [inboxRule({ name: 'q', parameters: [['ForwardTo', 'x@fabrikam.com']] })]);
  const config = loadConfig({ TW_SECRET_KEY: TEST_SECRET_KEY });
  const boss = await startQueue(handle.database, log, { schedule: false });
  try {
    const tokens = createTokenProvider(config, secrets);
    const ipIntel = createIpIntel(config.ipIntel);
    const deps = { database: handle.database, log, config, boss, tokens, ipIntel, lookup: createConfiguredEntityLookup(config, { tokens, ipIntel }) };
    const jobs = { 'detect.activity': PIPELINE_JOBS['detect.activity'] };
    // Every pipeline queue exists (detection hands events on to enrich.event); only detection runs here.
    await ensureQueues(boss, PIPELINE_JOBS);
    // Not yet detected: the sweep would pick it up once it is 10 minutes old.
    expect(await undetectedActivity(handle.database.db, new Date(Date.now() + 11 * 60_000))).toEqual(expect.arrayContaining(ids));
    expect(await sendForDetection(boss, ids)).toBe(1);
    await startWorkers(boss, jobs, deps, { concurrency: 1, pollingIntervalSeconds: 0.5 });
    await expect
      .poll(async () => (await events(t.tenantId)).map((e) => e.detectionId), { timeout: 60_000, interval: 250 })
      .toEqual(['M365.Exchange.InboxRuleExternalForwarding']);
    expect(await undetectedActivity(handle.database.db, new Date(Date.now() + 11 * 60_000))).not.toEqual(expect.arrayContaining(ids));
  } finally {
    await stopQueue(boss, 5);
  }
}, 90_000);
