import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase } from '../db/client.ts';
import { auditLog, eventEntity, msp, securityEvent, tenant } from '../db/schema/index.ts';
import { ingestRecords } from '../services/collector/ingest.ts';
import { createCustomDetection } from '../services/core/custom-detection/create-custom-detection.ts';
import { detectActivity } from '../services/detection/engine.ts';
import { ualDirectory, ualSignIn } from '../services/detection/rules/fixtures/case-records.ts';
import type { CaseRecord } from '../services/detection/types.ts';
import { createLogger } from '../services/log.ts';
import { call, createTestApp, type Member, sampleTenant, secrets, seedMsp } from './helpers/app.ts';
import { TEST_SECRET_KEY } from './helpers/database.ts';
import { runCli } from './helpers/process.ts';

/**
 * Custom detections end to end: written through the API, run by the detection engine over
 * activity stored the way the collector stores it, raising events like the built-ins.
 */
let t: Awaited<ReturnType<typeof createTestApp>>;
let owner: Member;
let other: Member;
const log = createLogger({ logLevel: 'silent' });
let tenantSeq = 100;

beforeAll(async () => {
  t = await createTestApp();
  owner = await seedMsp(t.database, 'admin', 'Northwind');
  other = await seedMsp(t.database, 'owner', 'Tailspin');
});
afterAll(() => t.drop());

type Detection = { id: string; detectionId: string; tenantId: string | null; expression: string; enabled: boolean; updatedAt: string };
type ApiError = { error: { code: string; message: string; details?: { path: string; message: string; line?: number; column?: number; excerpt?: string }[] } };

async function addTenant(member: Member = owner): Promise<{ id: string; mspId: string; name: string }> {
  const res = await call(t.app, 'POST', '/api/v1/tenants', { token: member.token, body: sampleTenant(++tenantSeq) });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { id: string; name: string };
  return { id: body.id, mspId: member.mspId, name: body.name };
}

const LOCKED_OUT = "Event.EventType = 'LoginAttempt' AND Event.OperationResult = 'LockedOut'";

async function addDetection(body: Record<string, unknown>, member: Member = owner): Promise<Detection> {
  const res = await call(t.app, 'POST', '/api/v1/custom-detections', {
    token: member.token,
    body: { title: 'Account locked out', severity: 'high', expression: LOCKED_OUT, ...body },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Detection;
}

/** Stores records as the collector does and runs detection over them. */
async function storeAndDetect(target: { id: string; mspId: string }, records: CaseRecord[]) {
  const ids: string[] = [];
  for (const source of new Set(records.map((r) => r.source))) {
    const summary = await ingestRecords(
      t.database.db,
      { mspId: target.mspId, tenantId: target.id },
      source,
      records.filter((r) => r.source === source).map((r) => r.raw),
    );
    ids.push(...summary.insertedIds);
  }
  return detectActivity({ db: t.database.db, log }, ids);
}

const customEvents = (tenantId: string, detection: Detection) =>
  t.database.db
    .select()
    .from(securityEvent)
    .where(and(eq(securityEvent.tenantId, tenantId), eq(securityEvent.detectionId, detection.detectionId)))
    .orderBy(asc(securityEvent.firstSeenAt));

const lockout = (user: string, minutes = 0, ip = '185.220.101.4') => ualSignIn({ user, ip, errorNumber: 50053, logonError: 'IdsLocked', minutes });

/** The audit log's `CreationTime` form (UTC, no `Z`) of a moment `ago` milliseconds before now. */
const ualAgo = (ago: number) => new Date(Date.now() - ago).toISOString().replace(/\.\d{3}Z$/, '');

describe('writing a custom detection', () => {
  test('a bad expression answers 400 with each error and its line and column', async () => {
    const syntax = await call(t.app, 'POST', '/api/v1/custom-detections', {
      token: owner.token,
      body: { title: 'x', severity: 'low', expression: "Event.EventType = 'LoginAttempt' AND\nEvent.OperationResult = " },
    });
    expect(syntax.status).toBe(400);
    const body = (await syntax.json()) as ApiError;
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details![0]).toMatchObject({ path: 'expression', line: 2, column: 25, message: expect.stringContaining('expected a value') });
    expect(body.error.details![0]!.excerpt).toContain('^');

    const fields = await call(t.app, 'POST', '/api/v1/custom-detections', {
      token: owner.token,
      body: { title: 'x', severity: 'low', expression: "Event.Severty = 'high' OR (User.Department = 'Finance' AND Event.Count > 3)" },
    });
    expect(fields.status).toBe(400);
    const errors = ((await fields.json()) as ApiError).error.details!;
    expect(errors).toEqual([expect.objectContaining({ line: 1, column: 1, message: expect.stringContaining('did you mean Event.Severity') })]);

    // Well-formed, but it reads what only a raised event has: refused, with where.
    const unavailable = await call(t.app, 'POST', '/api/v1/custom-detections', {
      token: owner.token,
      body: { title: 'x', severity: 'low', expression: "Event.OperationResult = 'LockedOut' AND (User.Department = 'Finance' OR Event.Severity >= 'high')" },
    });
    expect(unavailable.status).toBe(400);
    expect(((await unavailable.json()) as ApiError).error.details).toEqual([
      expect.objectContaining({
        path: 'expression',
        line: 1,
        column: 42,
        message: expect.stringContaining('User.Department is not available in a custom detection'),
      }),
      expect.objectContaining({ line: 1, column: 73, message: expect.stringContaining('Event.Severity is not available') }),
    ]);

    const mitre = await call(t.app, 'POST', '/api/v1/custom-detections', {
      token: owner.token,
      body: { title: 'x', severity: 'low', expression: LOCKED_OUT, mitre: ['T1110'] },
    });
    expect(mitre.status).toBe(400);
    expect(((await mitre.json()) as ApiError).error.details![0]).toMatchObject({ path: 'mitre.0' });
  });

  test('a tenant of another MSP cannot be named', async () => {
    const theirs = await addTenant(other);
    const res = await call(t.app, 'POST', '/api/v1/custom-detections', {
      token: owner.token,
      body: { title: 'x', severity: 'low', expression: LOCKED_OUT, tenantId: theirs.id },
    });
    expect(res.status).toBe(404);
  });

  test('create, read, list, change and delete; each write is in the audit log', async () => {
    const own = await addTenant();
    const created = await addDetection({ tenantId: own.id, mitre: ['TA0006:T1110'], howToReact: '1. Call the user.', dedupBy: 'user+ip', dedupMinutes: 30 });
    expect(created).toMatchObject({
      detectionId: `custom.${created.id}`,
      tenantId: own.id,
      severity: 'high',
      mitre: ['TA0006:T1110'],
      dedupBy: 'user+ip',
      dedupMinutes: 30,
      enabled: true,
    });

    const got = await call(t.app, 'GET', `/api/v1/custom-detections/${created.id}`, { token: owner.token });
    expect(await got.json()).toEqual(created);
    const list = (await (await call(t.app, 'GET', `/api/v1/custom-detections?tenant=${own.id}`, { token: owner.token })).json()) as { items: Detection[] };
    expect(list.items.map((d) => d.id)).toContain(created.id);

    const changed = await call(t.app, 'PATCH', `/api/v1/custom-detections/${created.id}`, {
      token: owner.token,
      body: { enabled: false, severity: 'critical' },
    });
    expect(await changed.json()).toMatchObject({ id: created.id, enabled: false, severity: 'critical', expression: LOCKED_OUT });
    const badEdit = await call(t.app, 'PATCH', `/api/v1/custom-detections/${created.id}`, { token: owner.token, body: { expression: 'Event.Count >' } });
    expect(badEdit.status).toBe(400);

    expect((await call(t.app, 'DELETE', `/api/v1/custom-detections/${created.id}`, { token: owner.token })).status).toBe(204);
    expect((await call(t.app, 'GET', `/api/v1/custom-detections/${created.id}`, { token: owner.token })).status).toBe(404);

    const audit = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.mspId, owner.mspId), eq(auditLog.targetId, created.id)))
      .orderBy(asc(auditLog.createdAt));
    expect(audit.map((a) => a.action)).toEqual(['custom-detection.create', 'custom-detection.update', 'custom-detection.delete']);
    expect(audit[1]!.details).toMatchObject({ changed: ['severity', 'enabled'] });
  });

  test("another MSP's detection answers 404 to reads and writes, and is not listed", async () => {
    const theirs = await addDetection({ title: 'Theirs' }, other);
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { enabled: false }],
      ['DELETE', undefined],
    ] as const) {
      const res = await call(t.app, method, `/api/v1/custom-detections/${theirs.id}`, { token: owner.token, body });
      expect(res.status, method).toBe(404);
    }
    const list = (await (await call(t.app, 'GET', '/api/v1/custom-detections?limit=500', { token: owner.token })).json()) as { items: Detection[] };
    expect(list.items.map((d) => d.id)).not.toContain(theirs.id);
    expect((await call(t.app, 'GET', `/api/v1/custom-detections/${theirs.id}`, { token: other.token })).status).toBe(200);
  });
});

describe('custom detections in the engine', () => {
  test("a match raises an event with the detection's fields, the activity's user and IP as entities", async () => {
    const own = await addTenant();
    const detection = await addDetection({
      tenantId: own.id,
      title: 'Finance account locked out',
      description: 'A finance account was locked out by smart lockout.',
      mitre: ['TA0006:T1110'],
      howToReact: '1. Call the user.\n2. Check the addresses.',
    });
    const summary = await storeAndDetect(own, [
      lockout('megan@contoso.com'),
      ualSignIn({ user: 'megan@contoso.com', ip: '185.220.101.4', errorNumber: 50126, minutes: 1 }),
    ]);
    expect(summary.processed).toBe(2);
    const [event, ...rest] = await customEvents(own.id, detection);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      mspId: own.mspId,
      title: 'Finance account locked out',
      severity: 'high',
      mitre: ['TA0006:T1110'],
      howToReact: '1. Call the user.\n2. Check the addresses.',
      eventType: 'LoginAttempt',
      operationResult: 'LockedOut',
      userName: 'megan@contoso.com',
      networkAddress: '185.220.101.4',
      workload: 'AzureActiveDirectory',
      operation: 'UserLoginFailed',
      status: 'open',
      count: 1,
      dedupKey: 'megan@contoso.com',
      fields: expect.objectContaining({ userSource: 'EntraID' }),
    });
    expect(event!.description).toContain('A finance account was locked out by smart lockout.');
    expect(event!.description).toContain('185.220.101.4');
    const entities = await t.database.db
      .select({ kind: eventEntity.kind, key: eventEntity.key, isPrimary: eventEntity.isPrimary })
      .from(eventEntity)
      .where(eq(eventEntity.eventId, event!.id));
    expect(entities).toEqual(
      expect.arrayContaining([
        { kind: 'user', key: 'megan@contoso.com', isPrimary: true },
        { kind: 'ip', key: '185.220.101.4', isPrimary: true },
      ]),
    );
    // The built-in lockout detection still raises its own event for the same activity.
    const builtIn = await t.database.db
      .select()
      .from(securityEvent)
      .where(and(eq(securityEvent.tenantId, own.id), eq(securityEvent.detectionId, 'M365.AzureAD.AccountLockedOut')));
    expect(builtIn).toHaveLength(1);
  });

  test('repeats within the window join the event (count, last seen); after it a new one starts; another user is another event', async () => {
    const own = await addTenant();
    const detection = await addDetection({ tenantId: own.id, dedupMinutes: 60 });
    await storeAndDetect(own, [lockout('adele@contoso.com', 0), lockout('adele@contoso.com', 20, '203.0.113.9')]);
    await storeAndDetect(own, [lockout('adele@contoso.com', 50), lockout('lee@contoso.com', 55)]);
    let events = await customEvents(own.id, detection);
    expect(events.map((e) => ({ user: e.userName, count: e.count }))).toEqual([
      { user: 'adele@contoso.com', count: 3 },
      { user: 'lee@contoso.com', count: 1 },
    ]);
    expect(events[0]!.lastSeenAt.getTime() - events[0]!.firstSeenAt.getTime()).toBe(50 * 60_000);

    await storeAndDetect(own, [lockout('adele@contoso.com', 50 + 61 + 60)]);
    events = await customEvents(own.id, detection);
    expect(events.filter((e) => e.userName === 'adele@contoso.com').map((e) => e.count)).toEqual([3, 1]);
  });

  test('dedup by IP puts every user locked out from one address in one event', async () => {
    const own = await addTenant();
    const detection = await addDetection({ tenantId: own.id, dedupBy: 'ip' });
    await storeAndDetect(own, [lockout('a@contoso.com', 0), lockout('b@contoso.com', 1), lockout('c@contoso.com', 2, '198.51.100.20')]);
    const events = await customEvents(own.id, detection);
    expect(events.map((e) => ({ key: e.dedupKey, count: e.count }))).toEqual([
      { key: '185.220.101.4', count: 2 },
      { key: '198.51.100.20', count: 1 },
    ]);
  });

  test("a tenant's detection runs only there; one for every tenant runs in each; another MSP's never", async () => {
    const first = await addTenant();
    const second = await addTenant();
    const onlyFirst = await addDetection({ tenantId: first.id, title: 'Only first' });
    const everyTenant = await addDetection({ tenantId: null, title: 'Every tenant' });
    const theirs = await addDetection({ title: 'Another MSP' }, other);
    await storeAndDetect(first, [lockout('megan@contoso.com')]);
    await storeAndDetect(second, [lockout('megan@contoso.com')]);
    expect(await customEvents(first.id, onlyFirst)).toHaveLength(1);
    expect(await customEvents(second.id, onlyFirst)).toHaveLength(0);
    expect(await customEvents(first.id, everyTenant)).toHaveLength(1);
    expect(await customEvents(second.id, everyTenant)).toHaveLength(1);
    expect(await customEvents(first.id, theirs)).toHaveLength(0);
    expect(await customEvents(second.id, theirs)).toHaveLength(0);
  });

  test('a disabled detection does nothing until it is enabled again', async () => {
    const own = await addTenant();
    const detection = await addDetection({ tenantId: own.id, enabled: false });
    await storeAndDetect(own, [lockout('megan@contoso.com', 0)]);
    expect(await customEvents(own.id, detection)).toHaveLength(0);
    await call(t.app, 'PATCH', `/api/v1/custom-detections/${detection.id}`, { token: owner.token, body: { enabled: true } });
    await storeAndDetect(own, [lockout('megan@contoso.com', 5)]);
    expect(await customEvents(own.id, detection)).toHaveLength(1);
  });

  test('an edited expression takes effect with the next batch', async () => {
    const own = await addTenant();
    const detection = await addDetection({ tenantId: own.id });
    await storeAndDetect(own, [lockout('megan@contoso.com', 0)]);
    expect(await customEvents(own.id, detection)).toHaveLength(1);

    // Now password changes instead of lockouts: the language's ChangePasswordAttempt vocabulary.
    const edited = await call(t.app, 'PATCH', `/api/v1/custom-detections/${detection.id}`, {
      token: owner.token,
      body: { expression: "Event.EventType = 'ChangePasswordAttempt' AND Event.OperationResult = 'Success'" },
    });
    expect(edited.status).toBe(200);
    const target = { id: '5c3d4e1f-0a9b-4c8d-9e7f-6a5b4c3d2e1f', type: 'User' as const, upn: 'adele@contoso.com' };
    await storeAndDetect(own, [
      lockout('lee@contoso.com', 10),
      ualDirectory({ operation: 'Change user password.', actor: 'adele@contoso.com', target, minutes: 11 }),
    ]);
    const events = await customEvents(own.id, detection);
    expect(events.map((e) => ({ user: e.userName, type: e.eventType, result: e.operationResult }))).toEqual([
      { user: 'megan@contoso.com', type: 'LoginAttempt', result: 'LockedOut' },
      { user: 'adele@contoso.com', type: 'ChangePasswordAttempt', result: 'Success' },
    ]);
  });
});

describe('POST /custom-detections/test', () => {
  test("answers the tenant's recent activity the expression matches, newest first, storing nothing", async () => {
    const own = await addTenant();
    const recent = lockout('megan@contoso.com');
    (recent.raw as { CreationTime: string }).CreationTime = ualAgo(3_600_000);
    const newer = lockout('adele@contoso.com');
    (newer.raw as { CreationTime: string }).CreationTime = ualAgo(60_000);
    const old = lockout('lee@contoso.com');
    (old.raw as { CreationTime: string }).CreationTime = ualAgo(10 * 86_400_000);
    const success = ualSignIn({ user: 'megan@contoso.com', ip: '203.0.113.7' });
    (success.raw as { CreationTime: string }).CreationTime = ualAgo(120_000);
    for (const r of [recent, newer, old, success]) await ingestRecords(t.database.db, { mspId: own.mspId, tenantId: own.id }, r.source, [r.raw]);

    const res = await call(t.app, 'POST', '/api/v1/custom-detections/test', {
      token: owner.token,
      body: { tenantId: own.id, expression: LOCKED_OUT, days: 7 },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      scanned: number;
      complete: boolean;
      truncated: boolean;
      items: { userName: string; eventType: string; operationResult: string; operation: string }[];
    };
    expect(body).toMatchObject({ scanned: 3, complete: true, truncated: false });
    expect(body.items.map((i) => i.userName)).toEqual(['adele@contoso.com', 'megan@contoso.com']);
    expect(body.items[0]).toMatchObject({ eventType: 'LoginAttempt', operationResult: 'LockedOut', operation: 'UserLoginFailed' });

    const limited = (await (
      await call(t.app, 'POST', '/api/v1/custom-detections/test', {
        token: owner.token,
        body: { tenantId: own.id, expression: LOCKED_OUT, days: 30, limit: 1 },
      })
    ).json()) as { truncated: boolean; items: unknown[] };
    expect(limited).toMatchObject({ truncated: true, items: [expect.anything()] });
    expect(await t.database.db.select().from(securityEvent).where(eq(securityEvent.tenantId, own.id))).toEqual([]);

    const bad = await call(t.app, 'POST', '/api/v1/custom-detections/test', {
      token: owner.token,
      body: { tenantId: own.id, expression: "IP.Country = 'Netherlands'" },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ApiError).error.details![0]).toMatchObject({ line: 1, column: 1 });

    // Another MSP's tenant is not found.
    const foreign = await call(t.app, 'POST', '/api/v1/custom-detections/test', { token: other.token, body: { tenantId: own.id, expression: LOCKED_OUT } });
    expect(foreign.status).toBe(404);
  });
});

test('tenantwatch rules list shows custom detections, marked custom, with the built-ins', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tw-custom-'));
  try {
    const database = await openDatabase({ dataDir });
    try {
      await database.migrate();
      const [m] = await database.db.insert(msp).values({ name: 'Northwind' }).returning();
      const [own] = await database.db
        .insert(tenant)
        .values({ mspId: m!.id, tenantGuid: crypto.randomUUID(), name: 'Contoso Ltd', primaryDomain: 'contoso.com', authMode: 'consent' })
        .returning();
      const ctx = { msp: m!.id, actor: { type: 'system', role: 'owner' } as const, db: database.db, secrets };
      await createCustomDetection({ ctx, input: { title: 'Locked out anywhere', severity: 'medium', expression: LOCKED_OUT, mitre: ['TA0006:T1110'] } });
      await createCustomDetection({
        ctx,
        input: {
          title: 'Contoso password changes',
          severity: 'low',
          expression: "Event.EventType = 'ChangePasswordAttempt'",
          tenantId: own!.id,
          enabled: false,
        },
      });
    } finally {
      await database.close();
    }
    const env = { TW_DATA_DIR: dataDir, TW_SECRET_KEY: TEST_SECRET_KEY, TW_LOG_LEVEL: 'silent', DATABASE_URL: '' };
    const table = await runCli(['rules', 'list'], env);
    expect(table.stderr).toBe('');
    expect(table.stdout).toMatch(/^M365\.Exchange\.InboxRuleExternalForwarding\s+high\s+TA0009:T1114\.003/m);
    expect(table.stdout).toMatch(/^custom\.[0-9a-f-]{36}\s+medium\s+TA0006:T1110\s+Locked out anywhere \[custom, every tenant\]$/m);
    expect(table.stdout).toMatch(/^custom\.[0-9a-f-]{36}\s+low\s+Contoso password changes \[custom, Contoso Ltd, disabled\]$/m);
    const json = JSON.parse((await runCli(['rules', 'list', '--json', '--tenant', 'contoso.com'], env)).stdout) as { id: string; custom: boolean }[];
    expect(json.filter((d) => d.custom)).toHaveLength(2);
    expect(json.filter((d) => !d.custom).length).toBeGreaterThanOrEqual(31);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 180_000);
