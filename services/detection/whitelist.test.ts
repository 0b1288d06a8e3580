import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { eventEntity, msp, securityEvent, tenant, whitelistRule } from '../../db/schema/index.ts';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { compileToPredicate, parseFilter } from '../language/index.ts';
import { ignoreByWhitelistRules } from './whitelist.ts';
import { loadFilterableEvents } from './filterable-events.ts';
import { ruleMatchSql } from '../core/whitelist/rule-match.ts';

/** Auto-ignore (JS) and the dry run (SQL) must agree on every event, entities and snapshots included. */
let handle: Awaited<ReturnType<typeof createTestDatabase>>;
let mspId: string;
let tenantId: string;
const ids: string[] = [];

beforeAll(async () => {
  handle = await createTestDatabase();
  const db = handle.database.db;
  const [m] = await db.insert(msp).values({ name: 'Northwind' }).returning();
  mspId = m!.id;
  const [t] = await db
    .insert(tenant)
    .values({ mspId, tenantGuid: crypto.randomUUID(), name: 'Contoso', primaryDomain: 'contoso.com', authMode: 'consent' })
    .returning();
  tenantId = t!.id;
  const countries = ['NL', 'US', null, 'NL', 'NG', null];
  for (let i = 0; i < 12; i++) {
    const [e] = await db
      .insert(securityEvent)
      .values({
        mspId,
        tenantId,
        detectionId: i % 2 ? 'M365.AzureAD.NewCountrySignIn' : 'M365.AzureAD.BruteForce',
        title: 't',
        description: 'd',
        severity: (['low', 'medium', 'high'] as const)[i % 3]!,
        userName: i % 4 === 0 ? null : `user${i % 3}@contoso.com`,
        networkAddress: `198.51.100.${i}`,
        count: i,
        dedupKey: `k${i}`,
        fields: i % 5 === 0 ? { clientApp: 'IMAP4' } : {},
        firstSeenAt: new Date(),
        lastSeenAt: new Date(),
      })
      .returning();
    ids.push(e!.id);
    const country = countries[i % countries.length];
    if (i % 6 !== 5) {
      await db.insert(eventEntity).values({
        eventId: e!.id,
        mspId,
        kind: 'ip',
        key: `198.51.100.${i}`,
        snapshot: country ? { location: { countryCode: country }, anonymizer: { isAnonymous: i % 3 === 0, proxyTypes: [] } } : null,
      });
    }
    if (i % 3 === 1)
      await db.insert(eventEntity).values({ eventId: e!.id, mspId, kind: 'user', key: `user${i % 3}@contoso.com`, snapshot: { isAdmin: i % 2 === 0 } });
  }
});
afterAll(() => handle.drop());

test.each([
  "IP.CountryCode = 'NL'",
  "NOT (IP.CountryCode = 'NL')",
  "IP.CountryCode <> 'NL' AND Event.Detection = 'M365.AzureAD.NewCountrySignIn'",
  'IP.IsAnonymous = TRUE OR User.IsAdmin = TRUE',
  'User.IsAdmin IS NULL',
  "Event.UserName LIKE 'user1%' OR Event.Count >= 9",
  "Event.ClientApp = 'imap4'",
  "Event.Tenant = 'contoso' AND Event.Severity >= 'medium'",
  "IP.Address IN ('198.51.100.3', '198.51.100.11')",
])('%s: the same events in JS and SQL', async (expression) => {
  const db = handle.database.db;
  const sqlIds = (
    await db
      .select({ id: securityEvent.id })
      .from(securityEvent)
      .where(ruleMatchSql({ msp: mspId }, { expression, tenantId }))
  )
    .map((r) => r.id)
    .sort();
  const matches = compileToPredicate(parseFilter(expression));
  const jsIds = (await loadFilterableEvents(db, ids))
    .filter((e) => matches(e))
    .map((e) => e.id)
    .sort();
  expect(jsIds).toEqual(sqlIds);
});

test('the oldest matching rule takes each event; hits count; disabled, expired and other-tenant rules do nothing', async () => {
  const db = handle.database.db;
  const [otherTenant] = await db
    .insert(tenant)
    .values({ mspId, tenantGuid: crypto.randomUUID(), name: 'Fabrikam', primaryDomain: 'fabrikam.com', authMode: 'consent' })
    .returning();
  const rule = (expression: string, extra: Partial<typeof whitelistRule.$inferInsert> = {}) =>
    db
      .insert(whitelistRule)
      .values({ mspId, name: expression, expression, reason: 'test', ...extra })
      .returning()
      .then((r) => r[0]!);
  const first = await rule("IP.CountryCode = 'NL'", { createdAt: new Date(Date.now() - 2000) });
  const second = await rule("IP.CountryCode IN ('NL', 'US')", { createdAt: new Date(Date.now() - 1000) });
  await rule('Event.Count >= 0', { enabled: false });
  await rule('Event.Count >= 0', { expiresAt: new Date(Date.now() - 1000) });
  await rule('Event.Count >= 0', { tenantId: otherTenant!.id });

  const ignored = await ignoreByWhitelistRules(db, { mspId, tenantId, eventIds: ids });
  const rows = await db.select().from(securityEvent).where(inArray(securityEvent.id, ids));
  const nl = rows.filter((r) => r.whitelistRuleId === first.id);
  const us = rows.filter((r) => r.whitelistRuleId === second.id);
  expect(nl.length).toBeGreaterThan(0);
  expect(us.length).toBeGreaterThan(0);
  expect(ignored).toBe(nl.length + us.length);
  expect(rows.filter((r) => r.status === 'ignored')).toHaveLength(ignored);
  const hits = Object.fromEntries((await db.select().from(whitelistRule).where(eq(whitelistRule.mspId, mspId))).map((r) => [r.id, r.hits]));
  expect(hits[first.id]).toBe(nl.length);
  expect(hits[second.id]).toBe(us.length);
  // Already ignored events are left alone.
  expect(await ignoreByWhitelistRules(db, { mspId, tenantId, eventIds: ids })).toBe(0);
});
