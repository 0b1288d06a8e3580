import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditLog, eventEntity, securityEvent, SEVERITIES, tenant } from '../db/schema/index.ts';
import { ingestRecords } from '../services/collector/ingest.ts';
import { detectActivity } from '../services/detection/engine.ts';
import { inboxRule } from '../services/detection/rules/fixtures/case-records.ts';
import type { CaseRecord } from '../services/detection/types.ts';
import { eventFilterInput } from '../services/core/event/event-query.ts';
import { countBySeverity, countBySeverityBounded, pageEvents } from '../services/core/event/list-events.ts';
import { addMember, call, createTestApp, type Member, seedMsp } from './helpers/app.ts';

/**
 * The Report table and the event page over HTTP: paging in every sort, each filter, the filter
 * language's errors, CSV, the charts, ignore/unignore and isolation between MSPs.
 */

type EventItem = {
  id: string;
  tenantId: string;
  tenantName: string;
  detectionId: string;
  title: string;
  severity: string;
  status: string;
  count: number;
  firstSeenAt: string;
  lastSeenAt: string;
  userName: string | null;
};
type EventPage = { items: EventItem[]; nextCursor: string | null; counts: Record<string, number> & { exact: boolean } };

let t: Awaited<ReturnType<typeof createTestApp>>;
let owner: Member;
let technician: Member;
let reader: Member;
let other: Member;
let contoso: string;
let fabrikam: string;
/** Every event seeded directly for MSP A. */
const seeded: string[] = [];

const BASE = Date.parse('2026-03-01T12:00:00Z');
const MINUTE = 60_000;

beforeAll(async () => {
  t = await createTestApp();
  owner = await seedMsp(t.database, 'owner', 'Northwind');
  technician = await addMember(t.database, owner.mspId, 'technician');
  reader = await addMember(t.database, owner.mspId, 'read_only');
  other = await seedMsp(t.database, 'owner', 'Other MSP');
  const db = t.database.db;
  const [c, f] = await db
    .insert(tenant)
    .values([
      { mspId: owner.mspId, tenantGuid: crypto.randomUUID(), name: 'Contoso', primaryDomain: 'contoso.com', authMode: 'consent' },
      { mspId: owner.mspId, tenantGuid: crypto.randomUUID(), name: 'Fabrikam', primaryDomain: 'fabrikam.com', authMode: 'consent' },
    ])
    .returning();
  contoso = c!.id;
  fabrikam = f!.id;

  // 64 events with many ties in every sort key: 4 distinct last-seen times, 3 titles, 5 counts.
  const titles = [
    ['M365.AzureAD.BruteForce', 'Brute force against one account'],
    ['M365.Exchange.InboxRuleExternalForwarding', 'Inbox rule forwards mail outside the organisation'],
    ['M365.AzureAD.NewCountrySignIn', 'Sign-in from a country not seen for this user'],
  ] as const;
  const rows = Array.from({ length: 64 }, (_, i) => {
    const [detectionId, title] = titles[i % 3]!;
    const last = new Date(BASE + (i % 4) * MINUTE);
    return {
      mspId: owner.mspId,
      tenantId: i % 2 === 0 ? contoso : fabrikam,
      detectionId,
      title,
      description: `case ${i}: user${i % 5}@contoso.com from 203.0.113.${i % 7}`,
      severity: SEVERITIES[i % 5]!,
      status: i % 9 === 0 ? ('ignored' as const) : i % 10 === 0 ? ('resolved' as const) : ('open' as const),
      userName: `user${i % 5}@contoso.com`,
      networkAddress: `203.0.113.${i % 7}`,
      eventType: 'LoginAttempt',
      dedupKey: `seed-${i}`,
      count: (i % 5) + 1,
      firstSeenAt: new Date(last.getTime() - (i % 3) * MINUTE),
      lastSeenAt: last,
      fields: i % 4 === 0 ? { country: 'NL' } : {},
    };
  });
  const inserted = await db.insert(securityEvent).values(rows).returning({ id: securityEvent.id });
  seeded.push(...inserted.map((r) => r.id));
  // Two events a microsecond apart: a cursor holding milliseconds would lose one of them.
  const micro = await db
    .insert(securityEvent)
    .values(
      ['.000100', '.000101'].map((frac, i) => ({
        mspId: owner.mspId,
        tenantId: contoso,
        detectionId: 'M365.AzureAD.BruteForce',
        title: 'Brute force against one account',
        description: `microsecond ${i}`,
        severity: 'low' as const,
        dedupKey: `micro-${i}`,
        firstSeenAt: sql`${`2026-03-01T11:00:00${frac}Z`}::timestamptz`,
        lastSeenAt: sql`${`2026-03-01T11:00:00${frac}Z`}::timestamptz`,
      })),
    )
    .returning({ id: securityEvent.id });
  seeded.push(...micro.map((r) => r.id));
  // An IP entity with recorded intelligence for the country chart.
  await db.insert(eventEntity).values({
    eventId: seeded[1]!,
    mspId: owner.mspId,
    kind: 'ip',
    key: '203.0.113.1',
    isPrimary: true,
    snapshotStatus: 'recorded',
    snapshot: { location: { countryCode: 'US' } },
  });
  // As the IP enricher records it: the country under `location`.
  await db.insert(eventEntity).values({
    eventId: seeded[5]!,
    mspId: owner.mspId,
    kind: 'ip',
    key: '203.0.113.5',
    isPrimary: true,
    snapshotStatus: 'recorded',
    snapshot: { ip: '203.0.113.5', location: { countryCode: 'DE', city: 'Berlin' } },
  });
});
afterAll(() => t.drop());

const get = async <T>(path: string, member: Member = owner) => {
  const res = await call(t.app, 'GET', path, { token: member.token });
  return { status: res.status, body: (await res.json()) as T };
};

async function pageAll(query: string, limit: number): Promise<EventItem[]> {
  const items: EventItem[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const res: { status: number; body: EventPage } = await get<EventPage>(
      `/api/v1/events?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(res.status).toBe(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (!cursor) return items;
  }
  throw new Error('paging did not end');
}

const SORTS = ['lastSeen', 'firstSeen', 'severity', 'count', 'detection', 'tenant'] as const;
const primaryKey: Record<(typeof SORTS)[number], (e: EventItem) => number | string> = {
  lastSeen: (e) => Date.parse(e.lastSeenAt),
  firstSeen: (e) => Date.parse(e.firstSeenAt),
  severity: (e) => SEVERITIES.indexOf(e.severity as (typeof SEVERITIES)[number]),
  count: (e) => e.count,
  detection: (e) => e.title,
  tenant: (e) => e.tenantName,
};

describe('paging', () => {
  test.each(SORTS.flatMap((sort) => (['asc', 'desc'] as const).map((order) => ({ sort, order }))))(
    'sort $sort $order: every event exactly once, in order',
    async ({ sort, order }) => {
      const query = `status=all&sort=${sort}&order=${order}`;
      const paged = await pageAll(query, 7);
      const ids = paged.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual([...seeded].sort());
      // The same order as one big page: the keyset continues exactly where ORDER BY would.
      const whole = await get<EventPage>(`/api/v1/events?${query}&limit=500`);
      expect(ids).toEqual(whole.body.items.map((e) => e.id));
      const keys = paged.map(primaryKey[sort]);
      for (let i = 1; i < keys.length; i++) {
        if (typeof keys[i] === 'number') expect(order === 'asc' ? keys[i]! >= keys[i - 1]! : keys[i]! <= keys[i - 1]!).toBe(true);
      }
    },
  );

  test('events a microsecond apart are both served across a page boundary', async () => {
    const paged = await pageAll('status=all&detection=M365.AzureAD.BruteForce&sort=lastSeen&order=asc', 1);
    const micro = paged.filter((e) => e.lastSeenAt.startsWith('2026-03-01T11:00:00.000'));
    expect(micro).toHaveLength(2);
  });

  test('a forged, altered or foreign cursor is a 400', async () => {
    const first = await get<EventPage>('/api/v1/events?status=all&limit=5');
    const cursor = first.body.nextCursor!;
    const [body, mac] = cursor.split('.');
    const forgedBody = Buffer.from(JSON.stringify(['2030-01-01 00:00:00+00', '00000000-0000-4000-8000-000000000000'])).toString('base64url');
    for (const bad of [`${forgedBody}.${mac}`, forgedBody, `${body}.AAAA`, 'not-a-cursor', `${body}`]) {
      const res = await get<{ error: { code: string } }>(`/api/v1/events?status=all&limit=5&cursor=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    // A cursor of another sort, or of another MSP, does not fit either.
    expect((await get(`/api/v1/events?status=all&limit=5&sort=count&cursor=${encodeURIComponent(cursor)}`)).status).toBe(400);
    expect((await get(`/api/v1/events?status=all&limit=5&cursor=${encodeURIComponent(cursor)}`, other)).status).toBe(400);
  });
});

describe('filters', () => {
  const ids = async (query: string) => (await pageAll(query, 500)).map((e) => e.id);

  test('status: unignored by default (open and resolved), ignored, all', async () => {
    const all = await pageAll('status=all', 500);
    const unignored = await pageAll('', 500);
    expect(unignored.map((e) => e.status)).not.toContain('ignored');
    expect(unignored.map((e) => e.status)).toContain('resolved');
    const ignored = await pageAll('status=ignored', 500);
    expect(ignored.every((e) => e.status === 'ignored')).toBe(true);
    expect(unignored.length + ignored.length).toBe(all.length);
  });

  test('tenants, severities and detections, comma-separated or repeated', async () => {
    const all = await pageAll('status=all', 500);
    expect(new Set(await ids(`status=all&tenant=${fabrikam}`))).toEqual(new Set(all.filter((e) => e.tenantId === fabrikam).map((e) => e.id)));
    const severe = all.filter((e) => e.severity === 'high' || e.severity === 'critical').map((e) => e.id);
    expect(new Set(await ids('status=all&severity=high,critical'))).toEqual(new Set(severe));
    expect(new Set(await ids('status=all&severity=high&severity=critical'))).toEqual(new Set(severe));
    const forwarding = all.filter((e) => e.detectionId === 'M365.Exchange.InboxRuleExternalForwarding').map((e) => e.id);
    expect(new Set(await ids('status=all&detection=M365.Exchange.InboxRuleExternalForwarding'))).toEqual(new Set(forwarding));
    expect((await get('/api/v1/events?severity=urgent')).status).toBe(400);
    expect((await get('/api/v1/events?tenant=not-an-id')).status).toBe(400);
  });

  test('date range on last seen; a date alone includes its whole day', async () => {
    const from = new Date(BASE + 2 * MINUTE).toISOString();
    const inRange = await pageAll(`status=all&from=${from}&to=${new Date(BASE + 3 * MINUTE).toISOString()}`, 500);
    expect(inRange.length).toBeGreaterThan(0);
    expect(inRange.every((e) => e.lastSeenAt === from)).toBe(true);
    expect(await ids('status=all&from=2026-03-01&to=2026-03-01')).toHaveLength(seeded.length);
    expect(await ids('status=all&to=2026-02-28')).toHaveLength(0);
  });

  test('free text searches title, description, user and IP, with % and _ taken literally', async () => {
    const byUser = await pageAll('status=all&q=USER3@contoso', 500);
    expect(byUser.length).toBeGreaterThan(0);
    expect(byUser.every((e) => e.userName === 'user3@contoso.com')).toBe(true);
    expect((await ids('status=all&q=203.0.113.6')).length).toBeGreaterThan(0);
    expect(await ids('status=all&q=forwards%20mail')).toHaveLength((await ids('status=all&detection=M365.Exchange.InboxRuleExternalForwarding')).length);
    expect(await ids(`status=all&q=${encodeURIComponent('%')}`)).toHaveLength(0);
    expect(await ids(`status=all&q=${encodeURIComponent('user_@')}`)).toHaveLength(0);
  });

  test('a filter-language expression, compiled to SQL', async () => {
    const all = await pageAll('status=all', 500);
    const expected = all.filter((e) => e.count > 3 && SEVERITIES.indexOf(e.severity as never) >= 3).map((e) => e.id);
    expect(new Set(await ids(`status=all&filter=${encodeURIComponent("Event.Count > 3 AND Event.Severity >= 'high'")}`))).toEqual(new Set(expected));
    const byTenantName = await ids(`status=all&filter=${encodeURIComponent("Event.Tenant = 'fabrikam'")}`);
    expect(byTenantName.length).toBe(all.filter((e) => e.tenantName === 'Fabrikam').length);
  });

  test('a bad expression is a 400 with line, column, caret and what was expected', async () => {
    const res = await get<{
      error: { code: string; message: string; details: { path: string; line: number; column: number; excerpt: string; expected: string[]; code: string }[] };
    }>(`/api/v1/events?filter=${encodeURIComponent("Event.Severity = 'high' AND\n  Event.Countt > 3")}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details[0]).toMatchObject({ path: 'filter', code: 'unknown_field', line: 2, column: 3, expected: ['Event.Count'] });
    expect(res.body.error.details[0]!.excerpt).toBe('  Event.Countt > 3\n  ^^^^^^^^^^^^');
    const syntax = await get<{ error: { details: { line: number; column: number; expected: string[] }[] } }>(
      `/api/v1/events?filter=${encodeURIComponent('Event.Count > ')}`,
    );
    expect(syntax.status).toBe(400);
    expect(syntax.body.error.details[0]).toMatchObject({ line: 1, column: 15 });
    expect(syntax.body.error.details[0]!.expected.length).toBeGreaterThan(0);
  });

  test('counts by severity cover every matching event, not just the page', async () => {
    const res = await get<EventPage>('/api/v1/events?status=all&limit=3&tenant=' + contoso);
    const all = await pageAll(`status=all&tenant=${contoso}`, 500);
    expect(res.body.counts.total).toBe(all.length);
    for (const s of SEVERITIES) expect(res.body.counts[s]).toBe(all.filter((e) => e.severity === s).length);
    expect(res.body.counts.exact).toBe(true);
  });
});

describe('bounds that keep the Report table fast on millions of events', () => {
  const filterOf = (input: Record<string, unknown>) => eventFilterInput.parse({ status: 'all', ...input });

  test('counts stop at the cap per severity and say they are not exact', async () => {
    const filter = filterOf({});
    const exact = await countBySeverity(owner.ctx, filter);
    const capped = await countBySeverityBounded(owner.ctx, filter, undefined, { cap: 5, searchWindow: 1000 });
    for (const s of SEVERITIES) expect(capped[s]).toBe(Math.min(exact[s], 5));
    expect(capped.exact).toBe(false);
    const roomy = await countBySeverityBounded(owner.ctx, filterOf({ severity: ['high'] }), undefined, { cap: 1000, searchWindow: 1000 });
    expect(roomy).toMatchObject({ high: exact.high, critical: 0, total: exact.high, exact: true });
  });

  test('with an expression, counts cover the newest events of the search window only', async () => {
    const filter = filterOf({ filter: "Event.UserName = 'user3@contoso.com'" });
    const exact = await countBySeverity(owner.ctx, filter);
    const whole = await countBySeverityBounded(owner.ctx, filter, undefined, { cap: 1000, searchWindow: 1000 });
    expect(whole).toEqual({ ...exact, exact: true });
    const part = await countBySeverityBounded(owner.ctx, filter, undefined, { cap: 1000, searchWindow: 20 });
    expect(part.exact).toBe(false);
    expect(part.total).toBeGreaterThan(0);
    expect(part.total).toBeLessThan(exact.total);
  });

  test('free text searches every event: exact counts and full pages, whatever the search window', async () => {
    const filter = filterOf({ q: 'user3@contoso' });
    const exact = await countBySeverity(owner.ctx, filter);
    expect(exact.total).toBeGreaterThan(8);
    expect(await countBySeverityBounded(owner.ctx, filter, undefined, { cap: 1000, searchWindow: 20 })).toEqual({ ...exact, exact: true });
    const unbounded = await pageEvents(owner.ctx, filter, { limit: 500, sort: 'lastSeen', order: 'desc' });
    const first = await pageEvents(owner.ctx, filter, { limit: 4, sort: 'lastSeen', order: 'desc', searchWindow: 7 });
    expect(first.items.map((e) => e.id)).toEqual(unbounded.items.slice(0, 4).map((e) => e.id));
    const second = await pageEvents(owner.ctx, filter, { limit: 4, cursor: first.nextCursor!, sort: 'lastSeen', order: 'desc', searchWindow: 7 });
    expect(second.items.map((e) => e.id)).toEqual(unbounded.items.slice(4, 8).map((e) => e.id));
  });

  test.each(
    (['lastSeen', 'tenant', 'count'] as const).flatMap((sort) =>
      (['asc', 'desc'] as const).flatMap((order) =>
        ["Event.UserName = 'user3@contoso.com'", "Event.Severity >= 'high' AND Event.Count > 2"].map((search) => ({ sort, order, search })),
      ),
    ),
  )('paging with a search window of 7 rows finds what an unbounded search finds, $sort $order: $search', async ({ sort, order, search }) => {
    const filter = filterOf({ filter: search });
    const unbounded = await pageEvents(owner.ctx, filter, { limit: 500, sort, order });
    expect(unbounded.nextCursor).toBeNull();
    const found: string[] = [];
    let short = 0;
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = await pageEvents(owner.ctx, filter, { limit: 4, cursor, sort, order, searchWindow: 7 });
      found.push(...page.items.map((e) => e.id));
      if (!page.nextCursor) break;
      if (page.items.length < 4) short += 1;
      cursor = page.nextCursor;
    }
    expect(found).toEqual(unbounded.items.map((e) => e.id));
    expect(short).toBeGreaterThan(0);
  });
});

describe('CSV export', () => {
  test('streams a header and every event of the filter; formula-looking cells are defused', async () => {
    const db = t.database.db;
    const [hostile] = await db
      .insert(securityEvent)
      .values({
        mspId: owner.mspId,
        tenantId: contoso,
        detectionId: 'M365.Exchange.InboxRuleSuspiciousWords',
        title: '=HYPERLINK("http://evil.example","click")',
        description: "+cmd|' /C calc'!A0",
        severity: 'high',
        userName: '@SUM(1+1)',
        networkAddress: '-1+1',
        dedupKey: 'hostile',
        firstSeenAt: new Date(BASE),
        lastSeenAt: new Date(BASE),
      })
      .returning();
    try {
      const res = await call(t.app, 'GET', '/api/v1/events/export.csv?status=all&detection=M365.Exchange.InboxRuleSuspiciousWords', { token: reader.token });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="tenantwatch-events-\d{4}-\d{2}-\d{2}\.csv"/);
      const text = await res.text();
      const lines = text.split('\r\n').filter(Boolean);
      expect(lines[0]).toMatch(/^Event id,Last seen \(UTC\),First seen \(UTC\),Tenant,Severity/);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
      expect(lines[1]).toContain(`'+cmd|' /C calc'!A0`);
      expect(lines[1]).toContain(`'@SUM(1+1)`);
      expect(lines[1]).toContain(`'-1+1`);
      expect(lines[1]).not.toMatch(/,=|,\+|,@|,-1/);
    } finally {
      await db.delete(securityEvent).where(eq(securityEvent.id, hostile!.id));
    }
  });

  test('a capped export says how many it left out', async () => {
    const res = await call(t.app, 'GET', '/api/v1/events/export.csv?status=all&sort=count&order=asc&limit=5', { token: owner.token });
    expect(res.headers.get('x-total-count')).toBe(String(seeded.length));
    const lines = (await res.text()).split('\r\n').filter(Boolean);
    expect(lines).toHaveLength(1 + 5 + 1);
    expect(lines.at(-1)).toBe(`"Export stopped at 5 of ${seeded.length} events; narrow the filter to export the rest."`);
  });

  test("the full export matches the paged list, across the export's internal pages", async () => {
    const res = await call(t.app, 'GET', '/api/v1/events/export.csv?status=all&sort=tenant', { token: owner.token });
    const ids = (await res.text())
      .split('\r\n')
      .filter(Boolean)
      .slice(1)
      .map((l) => l.split(',')[0]);
    expect(ids).toEqual((await pageAll('status=all&sort=tenant', 500)).map((e) => e.id));
  });

  test('a bad filter is a 400 before any CSV is sent', async () => {
    const res = await call(t.app, 'GET', `/api/v1/events/export.csv?filter=${encodeURIComponent('Event.Nope = 1')}`, { token: owner.token });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
  });
});

describe('summary', () => {
  type Summary = {
    bucket: string;
    overTime: ({ at: string; total: number } & Record<string, number | string>)[];
    topDetections: { detectionId: string; count: number }[];
    countries: { countryCode: string | null; count: number }[];
  };

  test('a short range is hourly with every hour present; counts add up by severity', async () => {
    const res = await get<Summary>('/api/v1/events/summary?status=all&from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.bucket).toBe('hour');
    expect(res.body.overTime).toHaveLength(24);
    expect(res.body.overTime[12]!.at).toBe('2026-03-01T12:00:00.000Z');
    expect(res.body.overTime[12]!.total).toBe(64);
    expect(res.body.overTime[11]!.total).toBe(2);
    expect(res.body.overTime.reduce((n, b) => n + b.total, 0)).toBe(seeded.length);
    expect(SEVERITIES.reduce((n, s) => n + (res.body.overTime[12]![s] as number), 0)).toBe(64);
  });

  test("a month is daily; top detections and countries (recorded IP intelligence first, then the detection's country)", async () => {
    const res = await get<Summary>('/api/v1/events/summary?status=all&from=2026-02-01&to=2026-03-31');
    expect(res.body.bucket).toBe('day');
    expect(res.body.overTime.find((b) => b.at === '2026-03-01T00:00:00.000Z')!.total).toBe(seeded.length);
    expect(res.body.topDetections[0]).toEqual({ detectionId: 'M365.AzureAD.BruteForce', title: 'Brute force against one account', count: 22 + 2 });
    const byCountry = Object.fromEntries(res.body.countries.map((c) => [c.countryCode ?? 'unknown', c.count]));
    expect(byCountry).toEqual({ NL: 16, US: 1, DE: 1, unknown: seeded.length - 18 });
  });
});

describe('one event, ignore and unignore', () => {
  async function detect(records: CaseRecord[]) {
    const ids: string[] = [];
    for (const r of records) ids.push(...(await ingestRecords(t.database.db, { mspId: owner.mspId, tenantId: contoso }, r.source, [r.raw])).insertedIds);
    await detectActivity({ db: t.database.db }, ids);
  }

  test('the event page: tenant, activity records with raw JSON, related events, rule criteria', async () => {
    const forward = (name: string, minutes: number) => {
      const r = inboxRule({ user: 'megan.bowen@contoso.com', name, parameters: [['ForwardTo', 'x@fabrikam.com']] });
      (r.raw as { CreationTime: string }).CreationTime = new Date(BASE + minutes * MINUTE).toISOString().slice(0, 19);
      return r;
    };
    await detect([forward('first', 0), forward('second', 5)]);
    const [event] = await t.database.db
      .select()
      .from(securityEvent)
      .where(and(eq(securityEvent.tenantId, contoso), eq(securityEvent.userName, 'megan.bowen@contoso.com')));
    // Another event of the same user three days later: related.
    await t.database.db.insert(securityEvent).values({
      mspId: owner.mspId,
      tenantId: fabrikam,
      detectionId: 'M365.AzureAD.NewCountrySignIn',
      title: 'Sign-in from a country not seen for this user',
      description: 'x',
      severity: 'medium',
      userName: 'megan.bowen@contoso.com',
      dedupKey: 'megan',
      firstSeenAt: new Date(BASE + 3 * 86_400_000),
      lastSeenAt: new Date(BASE + 3 * 86_400_000),
    });
    const res = await get<{
      id: string;
      tenantName: string;
      tenantIsDemo: boolean;
      count: number;
      howToReact: string;
      activities: { operation: string; raw: { Operation: string } }[];
      activityTotal: number;
      related: { detectionId: string; sameUser: boolean; sameIp: boolean }[];
      whitelistCriteria: Record<string, string | null>;
      ignore: unknown;
    }>(`/api/v1/events/${event!.id}`, reader);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: event!.id, tenantName: 'Contoso', tenantIsDemo: false, count: 2, activityTotal: 2, ignore: null });
    expect(res.body.howToReact.length).toBeGreaterThan(20);
    expect(res.body.activities.map((a) => a.raw.Operation)).toEqual(['New-InboxRule', 'New-InboxRule']);
    expect(res.body.related).toEqual([expect.objectContaining({ detectionId: 'M365.AzureAD.NewCountrySignIn', sameUser: true, sameIp: false })]);
    expect(res.body.whitelistCriteria).toMatchObject({
      tenantId: contoso,
      detectionId: 'M365.Exchange.InboxRuleExternalForwarding',
      userName: 'megan.bowen@contoso.com',
      ipAddress: '154.66.247.79',
    });
  });

  test('ignore records who, when and why, once; unignore puts it back; both audited', async () => {
    const id = seeded[2]!;
    expect((await call(t.app, 'POST', `/api/v1/events/${id}/ignore`, { token: reader.token })).status).toBe(403);
    const res = await call(t.app, 'POST', `/api/v1/events/${id}/ignore`, { token: technician.token, body: { reason: 'Known admin travelling' } });
    expect(res.status).toBe(200);
    const ignored = (await res.json()) as { status: string; ignore: { at: string; reason: string; by: { id: string; email: string }; rule: null } };
    expect(ignored.status).toBe('ignored');
    expect(ignored.ignore).toMatchObject({ reason: 'Known admin travelling', by: { id: technician.userId, email: technician.email }, rule: null });
    expect(Date.now() - Date.parse(ignored.ignore.at)).toBeLessThan(60_000);

    // Again, by someone else and without a body: nothing changes.
    const again = (await (await call(t.app, 'POST', `/api/v1/events/${id}/ignore`, { token: owner.token })).json()) as typeof ignored;
    expect(again.ignore).toEqual(ignored.ignore);

    const back = await call(t.app, 'POST', `/api/v1/events/${id}/unignore`, { token: technician.token });
    expect(back.status).toBe(200);
    expect(await back.json()).toMatchObject({ status: 'open', ignore: null, ignoredAt: null });
    expect((await call(t.app, 'POST', `/api/v1/events/${id}/unignore`, { token: technician.token })).status).toBe(200);

    const audit = await t.database.db.select().from(auditLog).where(eq(auditLog.targetId, id));
    // The technician acted through an API token: the audit log names the token, the event the user.
    expect(audit.map((a) => [a.action, a.actorType])).toEqual([
      ['event.ignore', 'token'],
      ['event.unignore', 'token'],
    ]);
    expect(audit[0]!.details).toMatchObject({ reason: 'Known admin travelling', from: 'open' });
  });

  test('unignore is a 409 while another open event tracks the same detection and key', async () => {
    const db = t.database.db;
    const base = {
      mspId: owner.mspId,
      tenantId: contoso,
      detectionId: 'M365.AzureAD.BruteForce',
      title: 'Brute force',
      description: 'x',
      severity: 'high' as const,
      dedupKey: 'dup@contoso.com',
      firstSeenAt: new Date(BASE),
      lastSeenAt: new Date(BASE),
    };
    const [old] = await db
      .insert(securityEvent)
      .values({ ...base, status: 'ignored', ignoredAt: new Date() })
      .returning();
    const [open] = await db
      .insert(securityEvent)
      .values({ ...base, lastSeenAt: new Date(BASE + 86_400_000) })
      .returning();
    const res = await call(t.app, 'POST', `/api/v1/events/${old!.id}/unignore`, { token: technician.token });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(open!.id);
    const [still] = await db.select().from(securityEvent).where(eq(securityEvent.id, old!.id));
    expect(still!.status).toBe('ignored');
  });
});

describe('isolation', () => {
  test("another MSP's event answers 404 like a missing one, and never shows in its lists", async () => {
    const id = seeded[0]!;
    for (const [method, path] of [
      ['GET', `/api/v1/events/${id}`],
      ['POST', `/api/v1/events/${id}/ignore`],
      ['POST', `/api/v1/events/${id}/unignore`],
    ] as const) {
      const res = await call(t.app, method, path, { token: other.token });
      expect(res.status).toBe(404);
      const missing = await call(t.app, method, path.replace(id, crypto.randomUUID()), { token: other.token });
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
        ((await missing.json()) as { error: { message: string } }).error.message,
      );
    }
    const list = await get<EventPage>('/api/v1/events?status=all', other);
    expect(list.body.items).toEqual([]);
    expect(list.body.counts.total).toBe(0);
    const csv = await (await call(t.app, 'GET', '/api/v1/events/export.csv?status=all', { token: other.token })).text();
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(1);
    // Filtering on the other MSP's tenant id finds nothing either.
    expect((await get<EventPage>(`/api/v1/events?status=all&tenant=${contoso}`, other)).body.items).toEqual([]);
  });
});
