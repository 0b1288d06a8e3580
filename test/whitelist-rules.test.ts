import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditLog, securityEvent, tenant, whitelistRule } from '../db/schema/index.ts';
import { ingestRecords } from '../services/collector/ingest.ts';
import { detectActivity } from '../services/detection/engine.ts';
import { inboxRule } from '../services/detection/rules/fixtures/case-records.ts';
import { addMember, call, createTestApp, type Member, seedMsp } from './helpers/app.ts';

/**
 * Whitelist (ignore) rules over HTTP, with events raised by the real detection engine: a rule
 * made from an event, the dry run, auto-ignore at detection, scope, expiry, permissions and
 * isolation between MSPs.
 */

type Rule = {
  id: string;
  name: string;
  expression: string;
  reason: string;
  tenantId: string | null;
  hits: number;
  expired: boolean;
  enabled: boolean;
  createdBy: { id: string } | null;
};
type Detail = {
  id: string;
  status: string;
  whitelistRuleId: string | null;
  ignoredAt: string | null;
  ignore: { at: string; by: unknown; rule: { id: string; name: string | null } | null } | null;
  whitelistCriteria: Record<string, string | null>;
};

let t: Awaited<ReturnType<typeof createTestApp>>;
let admin: Member;
let technician: Member;
let reader: Member;
let other: Member;
let contoso: string;
let fabrikam: string;

beforeAll(async () => {
  t = await createTestApp();
  admin = await seedMsp(t.database, 'admin', 'Northwind');
  technician = await addMember(t.database, admin.mspId, 'technician');
  reader = await addMember(t.database, admin.mspId, 'read_only');
  other = await seedMsp(t.database, 'owner', 'Other MSP');
  const [c, f] = await t.database.db
    .insert(tenant)
    .values([
      { mspId: admin.mspId, tenantGuid: crypto.randomUUID(), name: 'Contoso', primaryDomain: 'contoso.com', authMode: 'consent' },
      { mspId: admin.mspId, tenantGuid: crypto.randomUUID(), name: 'Fabrikam', primaryDomain: 'fabrikam.com', authMode: 'consent' },
    ])
    .returning();
  contoso = c!.id;
  fabrikam = f!.id;
});
afterAll(() => t.drop());

let minutesAgo = 600;
/** Runs one new forwarding inbox rule of `user` through ingest and the detection engine; returns the event. */
async function forwardingEvent(tenantId: string, user: string) {
  const record = inboxRule({ user, name: `rule ${minutesAgo}`, parameters: [['ForwardTo', 'x@outside.example']] });
  (record.raw as { CreationTime: string }).CreationTime = new Date(Date.now() - minutesAgo-- * 60_000).toISOString().slice(0, 19);
  const { insertedIds } = await ingestRecords(t.database.db, { mspId: admin.mspId, tenantId }, record.source, [record.raw]);
  const summary = await detectActivity({ db: t.database.db }, insertedIds);
  expect(summary.eventsCreated).toBe(1);
  const [event] = await t.database.db.select().from(securityEvent).where(eq(securityEvent.userName, user.toLowerCase()));
  return event!;
}

const post = async <T>(path: string, body: unknown, member: Member = admin) => {
  const res = await call(t.app, 'POST', path, { token: member.token, body });
  return { status: res.status, body: (await res.json()) as T };
};
const detail = async (id: string) => (await (await call(t.app, 'GET', `/api/v1/events/${id}`, { token: reader.token })).json()) as Detail;

describe('a rule from an event', () => {
  test('criteria become the expression; the dry run finds the event; applying to existing events ignores it', async () => {
    const event = await forwardingEvent(contoso, 'megan.bowen@contoso.com');
    const { whitelistCriteria: criteria } = await detail(event.id);
    const input = {
      eventId: event.id,
      tenantId: criteria.tenantId,
      criteria: { detectionId: criteria.detectionId, userName: criteria.userName, ipAddress: null, countryCode: null, appId: null },
    };

    const dry = await post<{ expression: string; count: number; items: { id: string }[] }>('/api/v1/whitelist-rules/dry-run', input);
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({
      expression: "Event.Detection = 'M365.Exchange.InboxRuleExternalForwarding' AND Event.UserName = 'megan.bowen@contoso.com'",
      count: 1,
    });
    expect(dry.body.items.map((e) => e.id)).toEqual([event.id]);

    const noReason = await post<{ error: { details: { path: string }[] } }>('/api/v1/whitelist-rules', input);
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details.map((d) => d.path)).toContain('reason');
    expect((await post('/api/v1/whitelist-rules', { ...input, reason: '   ' })).status).toBe(400);
    const allAny = await post<{ error: { message: string } }>('/api/v1/whitelist-rules', { reason: 'x', criteria: { detectionId: null, userName: null } });
    expect(allAny.status).toBe(400);
    expect(allAny.body.error.message).toContain('at least one condition');

    const created = await post<Rule>('/api/v1/whitelist-rules', {
      ...input,
      name: 'Megan forwards to her accountant',
      reason: 'Approved by the customer in ticket 4411',
      applyToExisting: true,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Megan forwards to her accountant',
      expression: dry.body.expression,
      tenantId: contoso,
      hits: 1,
      enabled: true,
      expired: false,
      createdBy: { id: admin.userId },
    });

    const ignored = await detail(event.id);
    expect(ignored).toMatchObject({
      status: 'ignored',
      whitelistRuleId: created.body.id,
      ignore: { by: null, rule: { id: created.body.id, name: 'Megan forwards to her accountant' } },
    });
    expect(Date.now() - Date.parse(ignored.ignore!.at)).toBeLessThan(60_000);
    const audit = await t.database.db.select().from(auditLog).where(eq(auditLog.targetId, created.body.id));
    expect(audit[0]).toMatchObject({ action: 'whitelist_rule.create', details: { fromEvent: event.id, appliedToExisting: 1 } });

    // Nothing left to ignore: the dry run only counts events not ignored yet.
    expect((await post<{ count: number }>('/api/v1/whitelist-rules/dry-run', input)).body.count).toBe(0);
  });

  test('hostile values from an event stay literal in the expression', async () => {
    const res = await post<Rule>('/api/v1/whitelist-rules', { reason: 'test', criteria: { userName: "x' OR Event.Severity = 'low" }, enabled: false });
    expect(res.status).toBe(201);
    expect(res.body.expression).toBe("Event.UserName = 'x'' OR Event.Severity = ''low'");
  });

  test('a typed expression is checked by the language: unknown fields are 400 with their position', async () => {
    const res = await post<{ error: { details: { path: string; code: string; line: number; column: number; suggestion: string; excerpt: string }[] } }>(
      '/api/v1/whitelist-rules',
      {
        reason: 'x',
        expression: "Event.Detection = 'M365.AzureAD.BruteForce' AND Event.UserNme = 'a@contoso.com'",
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toMatchObject({ path: 'expression', code: 'unknown_field', line: 1, column: 49, suggestion: 'Event.UserName' });
    expect(res.body.error.details[0]!.excerpt).toContain('^^^');
    expect((await post('/api/v1/whitelist-rules/dry-run', { expression: 'Event.Count >' })).status).toBe(400);
  });
});

describe('auto-ignore at detection', () => {
  test('a new event an MSP-wide rule matches is ignored at once, with the rule and its hits; others stay open', async () => {
    const rule = await post<Rule>('/api/v1/whitelist-rules', {
      expression: "Event.Detection = 'M365.Exchange.InboxRuleExternalForwarding' AND Event.UserName = 'adele@contoso.com'",
      reason: 'Approved forwarding',
    });
    expect(rule.body.tenantId).toBeNull();
    const adele = await forwardingEvent(fabrikam, 'adele@contoso.com');
    const lee = await forwardingEvent(fabrikam, 'lee@contoso.com');
    expect(adele).toMatchObject({ status: 'ignored', whitelistRuleId: rule.body.id, ignoredBy: null });
    expect(adele.ignoredAt).toBeInstanceOf(Date);
    expect(lee).toMatchObject({ status: 'open', whitelistRuleId: null });
    const [stored] = await t.database.db.select().from(whitelistRule).where(eq(whitelistRule.id, rule.body.id));
    expect(stored!.hits).toBe(1);
    // The Report table's default view leaves it out; the ignored view shows it.
    const open = (await (await call(t.app, 'GET', `/api/v1/events?tenant=${fabrikam}`, { token: reader.token })).json()) as { items: { id: string }[] };
    expect(open.items.map((e) => e.id)).toEqual([lee.id]);
  });

  test('a tenant-scoped rule applies to its tenant only', async () => {
    await post<Rule>('/api/v1/whitelist-rules', { tenantId: contoso, criteria: { userName: 'diego@contoso.com' }, reason: 'Service account' });
    expect((await forwardingEvent(fabrikam, 'diego@contoso.com')).status).toBe('open');
    await t.database.db.delete(securityEvent).where(eq(securityEvent.userName, 'diego@contoso.com'));
    expect((await forwardingEvent(contoso, 'diego@contoso.com')).status).toBe('ignored');
  });

  test('an expired or disabled rule ignores nothing; an expiry must be in the future', async () => {
    expect(
      (await post('/api/v1/whitelist-rules', { criteria: { userName: 'isaiah@contoso.com' }, reason: 'x', expiresAt: '2020-01-01T00:00:00Z' })).status,
    ).toBe(400);
    const expiring = await post<Rule>('/api/v1/whitelist-rules', {
      criteria: { userName: 'isaiah@contoso.com' },
      reason: 'Travelling this week',
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(expiring.status).toBe(201);
    // The week is over.
    await t.database.db
      .update(whitelistRule)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(whitelistRule.id, expiring.body.id));
    expect((await forwardingEvent(contoso, 'isaiah@contoso.com')).status).toBe('open');
    const shown = (await (await call(t.app, 'GET', `/api/v1/whitelist-rules/${expiring.body.id}`, { token: technician.token })).json()) as Rule;
    expect(shown).toMatchObject({ expired: true, hits: 0 });

    const disabled = await post<Rule>('/api/v1/whitelist-rules', { criteria: { userName: 'nestor@contoso.com' }, reason: 'x' });
    const patched = await call(t.app, 'PATCH', `/api/v1/whitelist-rules/${disabled.body.id}`, { token: admin.token, body: { enabled: false } });
    expect(await patched.json()).toMatchObject({ enabled: false });
    expect((await forwardingEvent(contoso, 'nestor@contoso.com')).status).toBe('open');
  });
});

describe('managing rules', () => {
  test('technicians read, admins write, read-only users neither', async () => {
    expect((await call(t.app, 'GET', '/api/v1/whitelist-rules', { token: technician.token })).status).toBe(200);
    expect((await call(t.app, 'GET', '/api/v1/whitelist-rules', { token: reader.token })).status).toBe(403);
    expect((await post('/api/v1/whitelist-rules', { criteria: { userName: 'a@contoso.com' }, reason: 'x' }, technician)).status).toBe(403);
    expect((await post('/api/v1/whitelist-rules/dry-run', { criteria: { userName: 'a@contoso.com' } }, technician)).status).toBe(403);
  });

  test('list pages newest first; PATCH checks what it changes; DELETE leaves ignored events ignored', async () => {
    const page1 = (await (await call(t.app, 'GET', '/api/v1/whitelist-rules?limit=2', { token: admin.token })).json()) as { items: Rule[]; nextCursor: string };
    const page2 = (await (await call(t.app, 'GET', `/api/v1/whitelist-rules?limit=100&cursor=${page1.nextCursor}`, { token: admin.token })).json()) as {
      items: Rule[];
    };
    const all = [...page1.items, ...page2.items];
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    expect(all.length).toBe((await t.database.db.select().from(whitelistRule).where(eq(whitelistRule.mspId, admin.mspId))).length);

    const megan = all.find((r) => r.name === 'Megan forwards to her accountant')!;
    const bad = await call(t.app, 'PATCH', `/api/v1/whitelist-rules/${megan.id}`, { token: admin.token, body: { expression: 'User.Nope = TRUE' } });
    expect(bad.status).toBe(400);
    expect((await call(t.app, 'PATCH', `/api/v1/whitelist-rules/${megan.id}`, { token: admin.token, body: { reason: '' } })).status).toBe(400);
    const renamed = await call(t.app, 'PATCH', `/api/v1/whitelist-rules/${megan.id}`, {
      token: admin.token,
      body: { name: 'Megan: accountant', expiresAt: null },
    });
    expect(await renamed.json()).toMatchObject({ name: 'Megan: accountant', reason: 'Approved by the customer in ticket 4411' });

    const [ignoredEvent] = await t.database.db.select().from(securityEvent).where(eq(securityEvent.whitelistRuleId, megan.id));
    expect((await call(t.app, 'DELETE', `/api/v1/whitelist-rules/${megan.id}`, { token: admin.token })).status).toBe(204);
    expect((await call(t.app, 'GET', `/api/v1/whitelist-rules/${megan.id}`, { token: admin.token })).status).toBe(404);
    expect(await detail(ignoredEvent!.id)).toMatchObject({ status: 'ignored', ignore: { rule: { id: megan.id, name: null } } });
  });
});

describe('isolation', () => {
  test("another MSP's rule answers 404 like a missing one; its dry run never sees this MSP's events", async () => {
    const rule = await post<Rule>('/api/v1/whitelist-rules', { criteria: { userName: 'z@contoso.com' }, reason: 'x' });
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await call(t.app, method, `/api/v1/whitelist-rules/${rule.body.id}`, {
        token: other.token,
        body: method === 'PATCH' ? { enabled: false } : undefined,
      });
      expect(res.status).toBe(404);
    }
    expect(((await (await call(t.app, 'GET', '/api/v1/whitelist-rules', { token: other.token })).json()) as { items: unknown[] }).items).toEqual([]);
    const everything = await post<{ count: number }>(
      '/api/v1/whitelist-rules/dry-run',
      { expression: "Event.Detection = 'M365.Exchange.InboxRuleExternalForwarding'" },
      other,
    );
    expect(everything.body.count).toBe(0);
    expect((await post('/api/v1/whitelist-rules/dry-run', { expression: 'Event.Count > 0', tenantId: contoso }, other)).status).toBe(400);
    const [someEvent] = await t.database.db.select().from(securityEvent).limit(1);
    expect((await post('/api/v1/whitelist-rules', { expression: 'Event.Count > 0', reason: 'x', eventId: someEvent!.id }, other)).status).toBe(404);
    // A rule of the other MSP never ignores this MSP's events.
    await post('/api/v1/whitelist-rules', { criteria: { userName: 'pradeep@contoso.com' }, reason: 'x' }, other);
    expect((await forwardingEvent(contoso, 'pradeep@contoso.com')).status).toBe('open');
  });
});
