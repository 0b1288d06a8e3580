import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { securityEvent, tenant } from '../db/schema/index.ts';
import { ingestRecords } from '../services/collector/ingest.ts';
import { detectActivity } from '../services/detection/engine.ts';
import { inboxRule } from '../services/detection/rules/fixtures/case-records.ts';
import type { CaseRecord } from '../services/detection/types.ts';
import { call, createTestApp, type Member, seedMsp, signInCookie } from './helpers/app.ts';
import { SseReader } from './helpers/sse.ts';

/**
 * GET /api/v1/events/stream: server-sent events of what detection creates and updates, per MSP,
 * resumable with Last-Event-ID, ended when the process shuts down.
 */

const shutdown = new AbortController();
let t: Awaited<ReturnType<typeof createTestApp>>;
let northwind: Member;
let other: Member;
let contoso: string;
let otherTenant: string;
const open: SseReader[] = [];

beforeAll(async () => {
  t = await createTestApp({}, { shutdown: shutdown.signal });
  northwind = await seedMsp(t.database, 'read_only', 'Northwind');
  other = await seedMsp(t.database, 'owner', 'Other MSP');
  const [c, o] = await t.database.db
    .insert(tenant)
    .values([
      { mspId: northwind.mspId, tenantGuid: crypto.randomUUID(), name: 'Contoso', primaryDomain: 'contoso.com', authMode: 'consent' },
      { mspId: other.mspId, tenantGuid: crypto.randomUUID(), name: 'Litware', primaryDomain: 'litware.com', authMode: 'consent' },
    ])
    .returning();
  contoso = c!.id;
  otherTenant = o!.id;
});
afterAll(async () => {
  await Promise.all(open.map((r) => r.close()));
  await t.drop();
});

async function stream(member: Member | { cookie: string }, headers: Record<string, string> = {}): Promise<SseReader> {
  const res = await call(t.app, 'GET', '/api/v1/events/stream', { ...('token' in member ? { token: member.token } : { cookie: member.cookie }), headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = new SseReader(res);
  open.push(reader);
  return reader;
}

/** Runs records through ingest and the detection engine, as the pipeline does. */
async function detect(mspId: string, tenantId: string, records: CaseRecord[]): Promise<void> {
  const ids: string[] = [];
  for (const r of records) ids.push(...(await ingestRecords(t.database.db, { mspId, tenantId }, r.source, [r.raw])).insertedIds);
  await detectActivity({ db: t.database.db }, ids);
}

const forwardingRule = (user: string, name: string) => inboxRule({ user, name, parameters: [['ForwardTo', 'payments@fabrikam-invoices.example']] });

describe('event stream', () => {
  test('needs a caller', async () => {
    const res = await call(t.app, 'GET', '/api/v1/events/stream');
    expect(res.status).toBe(401);
    const bad = await call(t.app, 'GET', '/api/v1/events/stream', { token: 'tw_not-a-token' });
    expect(bad.status).toBe(401);
  });

  test('a new event reaches its MSP (token and cookie alike), not another MSP; an update comes again', async () => {
    const mine = await stream(northwind);
    const ready = await mine.next(5_000);
    expect(ready).toMatchObject({ event: 'ready' });
    expect(ready!.id).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    const cookie = await stream(await signInCookie(t.app, northwind));
    expect((await cookie.next(5_000))?.event).toBe('ready');
    const theirs = await stream(other);
    expect((await theirs.next(5_000))?.event).toBe('ready');

    await detect(northwind.mspId, contoso, [forwardingRule('megan.bowen@contoso.com', 'Move to RSS')]);
    const [event] = await t.database.db.select().from(securityEvent).where(eq(securityEvent.tenantId, contoso));
    expect(event).toBeDefined();

    const got = await mine.eventsFor([event!.id], 10_000);
    expect(got).toEqual([
      expect.objectContaining({
        id: event!.id,
        tenantId: contoso,
        severity: event!.severity,
        status: 'open',
        count: 1,
        lastSeenAt: event!.lastSeenAt.toISOString(),
        createdAt: event!.createdAt.toISOString(),
      }),
    ]);
    expect((await cookie.eventsFor([event!.id], 10_000)).map((e) => e.id)).toEqual([event!.id]);

    // The other MSP's stream polled meanwhile and heard nothing of it.
    expect(await theirs.eventsFor([event!.id], 4_000)).toEqual([]);

    // The same rule again joins the open event: it comes again with the new count.
    await detect(northwind.mspId, contoso, [forwardingRule('megan.bowen@contoso.com', 'Move to RSS 2')]);
    const again = await mine.eventsFor([event!.id], 10_000);
    expect(again).toEqual([expect.objectContaining({ id: event!.id, count: 2 })]);

    // Nothing else arrives while nothing changes: each change is sent once.
    expect(await mine.eventsFor(['none'], 4_000)).toEqual([]);

    // The other MSP hears its own events.
    await detect(other.mspId, otherTenant, [forwardingRule('adele@litware.com', 'Archive')]);
    const [theirEvent] = await t.database.db.select().from(securityEvent).where(eq(securityEvent.tenantId, otherTenant));
    expect((await theirs.eventsFor([theirEvent!.id], 10_000)).map((e) => e.id)).toEqual([theirEvent!.id]);
    expect(await mine.eventsFor([theirEvent!.id], 4_000)).toEqual([]);
  }, 60_000);

  test('a reconnect with Last-Event-ID hears what changed meanwhile', async () => {
    const first = await stream(northwind);
    const ready = await first.next(5_000);
    await first.close();

    await detect(northwind.mspId, contoso, [forwardingRule('alex.wilber@contoso.com', 'Invoices')]);
    const [event] = await t.database.db.select().from(securityEvent).where(eq(securityEvent.userName, 'alex.wilber@contoso.com'));

    const resumed = await stream(northwind, { 'last-event-id': ready!.id! });
    expect((await resumed.next(5_000))?.event).toBe('ready');
    const got = await resumed.eventsFor([event!.id], 10_000);
    expect(got.map((e) => e.id)).toEqual([event!.id]);

    // Without it, a new stream starts from now.
    const fresh = await stream(northwind);
    expect((await fresh.next(5_000))?.event).toBe('ready');
    expect(await fresh.eventsFor([event!.id], 4_000)).toEqual([]);
  }, 60_000);

  test('streams end when the process shuts down', async () => {
    const reader = await stream(northwind);
    expect((await reader.next(5_000))?.event).toBe('ready');
    shutdown.abort();
    expect(await reader.next(5_000)).toBeNull();
    expect(reader.done).toBe(true);
  });
});
