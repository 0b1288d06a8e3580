import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventEntity, msp, securityEvent, tenant } from '../../db/schema/index.ts';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { compileToPredicate, compileToSql, parseFilter } from './index.ts';
import { NOW_MS, TENANT_NAMES, eventArbitrary, expressionArbitrary, type GeneratedEvent } from '../../test/helpers/filter-arbitraries.ts';

/**
 * The two compilers agree: for random events stored in a real database and random well-typed
 * expressions, the ids the SQL selects are exactly the ids the JS predicate accepts.
 */

const EVENT_COUNT = 150;
const EXPRESSION_RUNS = 100;

let handle: Awaited<ReturnType<typeof createTestDatabase>>;
let mspId: string;
let events: (GeneratedEvent & { id: string })[];
const eventsSeed = Date.now() ^ 0x5eed;

beforeAll(async () => {
  handle = await createTestDatabase();
  const db = handle.database.db;
  const [m] = await db.insert(msp).values({ name: 'Northwind' }).returning();
  mspId = m!.id;
  const tenants = await db
    .insert(tenant)
    .values(TENANT_NAMES.map((name) => ({ mspId, tenantGuid: randomUUID(), name, primaryDomain: 'contoso.com', authMode: 'consent' as const })))
    .returning();
  // Another MSP's event that matches everything: the caller's msp filter must keep it out.
  const [other] = await db.insert(msp).values({ name: 'Other' }).returning();
  const [otherTenant] = await db
    .insert(tenant)
    .values({ mspId: other!.id, tenantGuid: randomUUID(), name: 'Contoso', primaryDomain: 'x.com', authMode: 'consent' })
    .returning();
  await db.insert(securityEvent).values({
    mspId: other!.id,
    tenantId: otherTenant!.id,
    detectionId: 'x',
    title: 'x',
    description: 'x',
    severity: 'high',
    dedupKey: 'x',
    firstSeenAt: new Date(NOW_MS),
    lastSeenAt: new Date(NOW_MS),
  });

  events = fc.sample(eventArbitrary, { numRuns: EVENT_COUNT, seed: eventsSeed }).map((e) => ({ ...e, id: randomUUID() }));
  await db.insert(securityEvent).values(
    events.map((e) => ({
      id: e.id,
      mspId,
      tenantId: tenants[e.tenantIndex]!.id,
      detectionId: e.detectionId!,
      title: e.title!,
      description: e.description!,
      severity: e.severity as 'high',
      status: e.status as 'open',
      eventType: e.eventType,
      operationResult: e.operationResult,
      userName: e.userName,
      networkAddress: e.networkAddress,
      workload: e.workload,
      operation: e.operation,
      mitre: e.mitre as string[],
      fields: e.fields as Record<string, unknown>,
      dedupKey: e.id,
      count: e.count!,
      firstSeenAt: e.firstSeenAt!,
      lastSeenAt: e.lastSeenAt!,
      createdAt: e.createdAt!,
    })),
  );
  const entityRows = events.flatMap((e) =>
    (['user', 'app', 'ip'] as const).flatMap((kind) =>
      (e.entities?.[kind] ?? []).map((entity) => ({
        eventId: e.id,
        mspId,
        kind,
        key: entity.key,
        snapshot: entity.snapshot ?? null,
        snapshotStatus: entity.snapshot ? ('recorded' as const) : ('pending' as const),
      })),
    ),
  );
  if (entityRows.length > 0) await db.insert(eventEntity).values(entityRows);
  for (const e of events) e.tenantId = tenants[e.tenantIndex]!.id;
}, 60_000);
afterAll(() => handle.drop());

async function selectIds(text: string): Promise<string[]> {
  const where = compileToSql(parseFilter(text), { now: new Date(NOW_MS) });
  const rows = await handle.database.db
    .select({ id: securityEvent.id })
    .from(securityEvent)
    .where(and(eq(securityEvent.mspId, mspId), where));
  return rows.map((r) => r.id).sort();
}

function acceptedIds(text: string): string[] {
  const predicate = compileToPredicate(parseFilter(text), { now: () => NOW_MS });
  return events
    .filter((e) => predicate(e))
    .map((e) => e.id)
    .sort();
}

describe(`SQL and JS compilers agree (${process.env.DATABASE_URL ? 'Postgres' : 'PGlite'})`, () => {
  test('on random events and random expressions', async () => {
    let nonTrivial = 0;
    await fc.assert(
      fc.asyncProperty(expressionArbitrary, async (text) => {
        const expected = acceptedIds(text);
        if (expected.length > 0 && expected.length < events.length) nonTrivial++;
        const actual = await selectIds(text);
        expect(actual, `events seed ${eventsSeed}; ${text}`).toEqual(expected);
      }),
      { numRuns: EXPRESSION_RUNS },
    );
    // Guards the generators: most expressions must split the events, or the test proves little.
    expect(nonTrivial).toBeGreaterThan(EXPRESSION_RUNS / 4);
  }, 60_000);

  test.each([
    "Event.EventType = 'loginattempt'",
    "Event.UserName LIKE '%@contoso.com'",
    "IP.CountryCode <> 'NL'",
    "NOT (IP.CountryCode = 'NL')",
    "NOT (Event.UserName = 'megan@contoso.com')",
    'Event.Workload IS NULL',
    "User.Roles CONTAINS 'admin'",
    "Event.Mitre NOT LIKE 'TA%'",
    "Event.Severity >= 'high' AND Event.Time > NOW - 7d",
    "Event.Tenant = 'contoso'",
    "Event.Detection LIKE '50\\%' OR Event.Title LIKE 'a\\_b' OR Event.Title LIKE '\\\\'",
    "Event.Title = 'ärger' OR Event.Title = 'ZÜRICH'",
    "Event.Title LIKE '_' OR Event.Title LIKE '_x' OR Event.Title LIKE 'x_'",
    'IP.ASN IN (8075, 16509) OR IP.Latitude > 52',
    'NOT App.VerifiedPublisher',
    "Event.UserSource IS NOT NULL AND NOT Event.UserSource IN ('EntraID', 'nl')",
  ])('%s', async (text) => {
    expect(await selectIds(text)).toEqual(acceptedIds(text));
  });
});
