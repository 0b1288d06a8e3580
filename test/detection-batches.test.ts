import { asc, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { activity, detectionSettings, eventActivity, eventEntity, eventOccurrence, msp, securityEvent, tenant } from '../db/schema/index.ts';
import { ingestRecords } from '../services/collector/ingest.ts';
import { detectActivity } from '../services/detection/engine.ts';
import { graphSignIn, ualSignIn } from '../services/detection/rules/fixtures/case-records.ts';
import type { CaseRecord } from '../services/detection/types.ts';
import { createTestDatabase } from './helpers/database.ts';

/**
 * The engine records a batch's matches with set-based statements; how the activity is split into
 * batches must not change the events: the same records detected in one batch and in batches of
 * seven give the same events, counts, spans, occurrences, links and entities.
 */
let handle: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  handle = await createTestDatabase();
});
afterAll(async () => {
  await handle.drop();
});

const SPRAYER = '159.203.84.17';
const OFFICE = '203.0.113.7';
const id = (n: number) => `5a0e0000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/**
 * Failed sign-ins from one address over two hours, then again 33 hours later (past the spray's
 * 24-hour dedup window: a new event, the first one's key retired), the first twenty of them in
 * both feeds (one sign-in, counted once); lockouts of one user inside and outside their hour-long
 * window; sign-ins of the break-glass account. The spray threshold is one account, so every
 * failed sign-in matches whatever else its batch holds.
 */
function records(): CaseRecord[] {
  const out: CaseRecord[] = [];
  for (let i = 0; i <= 60; i++) {
    const spec = { user: `user${i % 15}@contoso.com`, ip: SPRAYER, minutes: i * 2, id: id(i) };
    out.push(ualSignIn({ ...spec, errorNumber: 50126 }));
    if (i < 20) out.push(graphSignIn({ ...spec, errorCode: 50126 }));
  }
  for (let i = 0; i < 10; i++) out.push(ualSignIn({ user: `user${i}@contoso.com`, ip: SPRAYER, errorNumber: 50126, minutes: 2000 + i * 3, id: id(100 + i) }));
  for (const [n, minutes] of [10, 40, 200].entries())
    out.push(ualSignIn({ user: 'user3@contoso.com', ip: OFFICE, errorNumber: 50053, logonError: 'IdsLocked', minutes, id: id(200 + n) }));
  for (const [n, minutes] of [5, 65, 3000].entries()) out.push(ualSignIn({ user: 'bg@contoso.com', ip: OFFICE, minutes, id: id(300 + n) }));
  return out;
}

async function detectInBatches(size: number) {
  const db = handle.database.db;
  const [m] = await db.insert(msp).values({ name: 'Northwind' }).returning();
  const [t] = await db
    .insert(tenant)
    .values({ mspId: m!.id, tenantGuid: crypto.randomUUID(), name: 'Contoso', primaryDomain: 'contoso.com', authMode: 'consent' })
    .returning();
  await db.insert(detectionSettings).values({
    mspId: m!.id,
    tenantId: t!.id,
    settings: { breakGlassAccounts: ['bg@contoso.com'], rules: { 'M365.AzureAD.PasswordSpray': { distinctUsers: 1 } } },
  });
  const target = { mspId: m!.id, tenantId: t!.id };
  const all = records();
  const ids: string[] = [];
  for (const source of new Set(all.map((r) => r.source)))
    ids.push(
      ...(
        await ingestRecords(
          db,
          target,
          source,
          all.filter((r) => r.source === source).map((r) => r.raw),
        )
      ).insertedIds,
    );
  for (let i = 0; i < ids.length; i += size) await detectActivity({ db }, ids.slice(i, i + size));
  return t!.id;
}

/** A tenant's events as comparable values: ids and retired keys' id suffixes left out. */
async function eventsOf(tenantId: string) {
  const db = handle.database.db;
  const events = await db
    .select()
    .from(securityEvent)
    .where(eq(securityEvent.tenantId, tenantId))
    .orderBy(asc(securityEvent.detectionId), asc(securityEvent.firstSeenAt));
  const ids = events.map((e) => e.id);
  const entities = await db.select().from(eventEntity).where(inArray(eventEntity.eventId, ids));
  const occurrences = await db.select().from(eventOccurrence).where(inArray(eventOccurrence.eventId, ids));
  const links = await db
    .select({ eventId: eventActivity.eventId, source: activity.source, recordId: activity.recordId })
    .from(eventActivity)
    .innerJoin(activity, eq(activity.id, eventActivity.activityId))
    .where(inArray(eventActivity.eventId, ids));
  return events.map((e) => ({
    detectionId: e.detectionId,
    dedupKey: e.dedupKey.replace(/~[0-9a-f-]{36}$/, '~retired'),
    status: e.status,
    severity: e.severity,
    count: e.count,
    firstSeenAt: e.firstSeenAt.toISOString(),
    lastSeenAt: e.lastSeenAt.toISOString(),
    userName: e.userName,
    networkAddress: e.networkAddress,
    entities: entities
      .filter((x) => x.eventId === e.id)
      .map((x) => `${x.kind} ${x.key} ${x.isPrimary ? 'primary' : ''} ${x.remediations.join(',')}`)
      .sort(),
    occurrences: occurrences
      .filter((x) => x.eventId === e.id)
      .map((x) => x.occurrenceKey)
      .sort(),
    links: links
      .filter((x) => x.eventId === e.id)
      .map((x) => `${x.source} ${x.recordId}`)
      .sort(),
  }));
}

test('the same records detected in one batch and in batches of seven give the same events', async () => {
  const oneBatch = await eventsOf(await detectInBatches(1000));
  const smallBatches = await eventsOf(await detectInBatches(7));
  expect(smallBatches).toEqual(oneBatch);

  // What is compared is not trivial: two sprays (the first one's key retired), repeats counted
  // once across both feeds, lockouts in and out of their window, the break-glass account.
  const sprays = oneBatch.filter((e) => e.detectionId === 'M365.AzureAD.PasswordSpray' && e.networkAddress === SPRAYER);
  expect(sprays.map((e) => [e.dedupKey, e.count, e.links.length])).toEqual([
    [`${SPRAYER}~retired`, 61, 81],
    [SPRAYER, 10, 10],
  ]);
  expect(sprays[0]!.entities).toHaveLength(16);
  expect(oneBatch.filter((e) => e.detectionId === 'M365.AzureAD.AccountLockedOut').map((e) => e.count)).toEqual([2, 1]);
  expect(oneBatch.filter((e) => e.detectionId === 'M365.AzureAD.BreakGlassSignIn').map((e) => e.count)).toEqual([2, 1]);
});
