import { startImport } from '../services/core/import/start-import.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { appUser, delivery, eventEntity, psaConnection, psaTenantMapping, remediationRequest, securityEvent } from '../db/schema/index.ts';
import { createMailer } from '../services/notify/channels/email.ts';
import { startSmtpSink, type SmtpSink } from '../services/sim/smtp/index.ts';
import { requestRemediation } from '../services/core/remediation/request-remediation.ts';
import { createApiToken } from '../services/core/api-token/create-api-token.ts';
import { openApiDocument } from '../services/api/openapi.ts';
import { PERMISSIONS, type Permission } from '../services/core/authz.ts';
import { USER_ROLES, type UserRole } from '../db/schema/index.ts';
import { addMember, call, createTestApp, type Member, sampleTenant, secrets, seedMsp, signInCookie } from './helpers/app.ts';
import { recordCounts } from './helpers/coverage-counts.ts';

/**
 * The security suite every API route runs: derived from the OpenAPI document, so a new route
 * is covered the day it is added (and fails here until its fixtures exist).
 */

// Routes anyone may call: signing in (the password, then the code step, which needs the pending
// sign-in cookie instead of a session; "Sign in with Microsoft", whose start and callback are
// browser redirects to Microsoft and back to the sign-in page; the sign-in options the page
// reads), using a one-time setup link, and signing up a new MSP (test/security/msp-signup.test.ts
// checks each TW_SIGNUP mode). test/auth-mfa.test.ts and test/auth-microsoft.test.ts check that
// none of the sign-in routes gets anywhere without the right first factor.
const PUBLIC = new Set([
  'POST /api/v1/auth/sign-in',
  'POST /api/v1/auth/sign-in/code',
  'POST /api/v1/auth/sign-out',
  'GET /api/v1/auth/options',
  'GET /api/v1/auth/microsoft/start',
  'GET /api/v1/auth/microsoft/callback',
  'GET /api/v1/setup/{token}',
  'POST /api/v1/setup/{token}',
  'GET /api/v1/signup',
  'POST /api/v1/signup',
  'GET /api/v1/signup/{token}',
  'POST /api/v1/signup/{token}',
]);
// Browser redirect targets: a browser arriving without a session is sent to a page that says to
// sign in (a JSON 401 would strand it), so these answer 302 instead; onboarding-consent.test.ts
// checks that nothing happens without the right session.
const BROWSER_REDIRECTS = new Set(['GET /api/v1/tenants/consent-callback']);

// Routes any signed-in user calls about themselves (their session, password and second factor):
// no role is needed, and the browser-session-only ones refuse API tokens (test/auth-mfa.test.ts).
const SELF = new Set([
  'GET /api/v1/auth/session',
  'POST /api/v1/auth/password',
  'GET /api/v1/auth/mfa',
  'POST /api/v1/auth/mfa/totp/start',
  'POST /api/v1/auth/mfa/totp/confirm',
  'POST /api/v1/auth/mfa/totp/disable',
]);

type Op = { method: string; path: string; key: string; permission: Permission | undefined; leastRole: UserRole | undefined };
const doc = openApiDocument();
const operations: Op[] = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
  Object.entries(item as Record<string, Record<string, unknown>>)
    .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
    .map(([m, operation]) => ({
      method: m.toUpperCase(),
      path,
      key: `${m.toUpperCase()} ${path}`,
      permission: operation['x-permission'] as Permission | undefined,
      leastRole: operation['x-least-role'] as UserRole | undefined,
    })),
);
const isWrite = (op: Op) => op.method !== 'GET';
const guarded = operations.filter((op) => op.permission !== undefined);
const rank = (role: UserRole) => USER_ROLES.indexOf(role);
/** Requests this suite made, for test/README.md's table. */
let requests = 0;
const req = (...args: Parameters<typeof call>) => {
  requests++;
  return call(...args);
};
/** The error object without the request id, which differs on every answer. */
async function errorOf(res: Response) {
  const body = (await res.json()) as { error: { requestId?: string } };
  delete body.error.requestId;
  return body;
}
const MISSING_ID = '00000000-0000-4000-8000-000000000000';
/** An answer as compared between two requests: without its request id and the moment it was made ("the last 30 days" ends now). */
const comparable = (text: string) => text.replace(/"requestId":"[^"]*"/g, '"requestId":""').replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>');

let t: Awaited<ReturnType<typeof createTestApp>>;
let sink: SmtpSink;
let a: Member;
let aReadOnly: Member;
let b: Member;
let bSession: { cookie: string; csrf: string };
/** MSP A's staff by role (the owner is `a`). */
const staff = {} as Record<UserRole, Member>;
/** For each query parameter that names an object, one of MSP A's. */
const queryIds: Record<string, string> = {};
/** For each path parameter, an object that belongs to MSP A. */
const fixtures: Record<string, string> = {};

beforeAll(async () => {
  sink = await startSmtpSink();
  t = await createTestApp({}, { outbox: sink });
  a = await seedMsp(t.database, 'owner', 'MSP A');
  aReadOnly = await addMember(t.database, a.mspId, 'read_only');
  b = await seedMsp(t.database, 'owner', 'MSP B');
  bSession = await signInCookie(t.app, b);
  staff.owner = a;
  staff.read_only = aReadOnly;
  staff.technician = await addMember(t.database, a.mspId, 'technician');
  staff.admin = await addMember(t.database, a.mspId, 'admin');
  const tenant = await call(t.app, 'POST', '/api/v1/tenants', { token: a.token, body: sampleTenant(1) });
  const tenantId = ((await tenant.json()) as { id: string }).id;
  for (const key of [
    'GET /api/v1/tenants/{id}',
    'PATCH /api/v1/tenants/{id}',
    'POST /api/v1/tenants/{id}/verify',
    'GET /api/v1/tenants/{id}/quarantine',
    'POST /api/v1/tenants/{id}/imports',
  ])
    fixtures[key] = tenantId;
  const group = async (name: string) => {
    const res = await call(t.app, 'POST', '/api/v1/tenant-groups', { token: a.token, body: { name, tenantIds: [tenantId] } });
    return ((await res.json()) as { id: string }).id;
  };
  fixtures['GET /api/v1/tenant-groups/{id}'] = fixtures['PUT /api/v1/tenant-groups/{id}'] = await group('Gold');
  // Its own one: the owner's call in the 404 test really deletes it.
  fixtures['DELETE /api/v1/tenant-groups/{id}'] = await group('To delete');
  fixtures['GET /api/v1/imports/{id}'] = (await startImport({ ctx: a.ctx, input: { tenantId, fileName: 'audit.csv', sizeBytes: 10 } })).run.id;
  // Users of MSP A: one to change, one to remove, one with a second factor to reset, one invited.
  fixtures['PATCH /api/v1/users/{id}'] = (await addMember(t.database, a.mspId, 'technician')).userId;
  fixtures['DELETE /api/v1/users/{id}'] = (await addMember(t.database, a.mspId, 'technician')).userId;
  const withMfa = await addMember(t.database, a.mspId, 'technician');
  await t.database.db
    .update(appUser)
    .set({ totpSecretEnc: secrets.seal('JBSWY3DPEHPK3PXP'), totpEnabledAt: new Date() })
    .where(eq(appUser.id, withMfa.userId));
  fixtures['POST /api/v1/users/{id}/mfa/reset'] = withMfa.userId;
  fixtures['POST /api/v1/users/{id}/password-reset'] = (await addMember(t.database, a.mspId, 'technician')).userId;
  // A second token of A's owner to revoke, so the suite's own token keeps working.
  fixtures['DELETE /api/v1/tokens/{id}'] = (await createApiToken({ ctx: a.ctx, userId: a.userId, input: { name: 'to revoke' } })).id;
  const invited = await call(t.app, 'POST', '/api/v1/users', { token: a.token, body: { email: 'invited@northwind.example', role: 'read_only' } });
  fixtures['POST /api/v1/users/{id}/invite-link'] = ((await invited.json()) as { user: { id: string } }).user.id;
  // Events are raised by detection, never created through the API: one for MSP A, with an entity.
  const at = new Date('2024-05-07T10:00:00Z');
  const [event] = await t.database.db
    .insert(securityEvent)
    .values({
      mspId: a.mspId,
      tenantId,
      detectionId: 'M365.AzureAD.PasswordSpray',
      title: 'Password spray',
      description: 'A spray.',
      severity: 'high',
      dedupKey: '203.0.113.9',
      firstSeenAt: at,
      lastSeenAt: at,
    })
    .returning();
  await t.database.db.insert(eventEntity).values({ eventId: event!.id, mspId: a.mspId, kind: 'ip', key: '203.0.113.9', isPrimary: true });
  for (const key of [
    'GET /api/v1/events/{id}',
    'GET /api/v1/events/{id}/entities',
    'POST /api/v1/events/{id}/ignore',
    'POST /api/v1/events/{id}/unignore',
    'GET /api/v1/events/{id}/ticket',
    'POST /api/v1/events/{id}/ticket',
  ])
    fixtures[key] = event!.id;
  queryIds.tenant = tenantId;
  queryIds.event = queryIds.eventId = event!.id;
  queryIds.actor = a.userId;
  // "Create a ticket" needs a connected PSA with the event's tenant mapped (the request only queues it).
  const [psa] = await t.database.db
    .insert(psaConnection)
    .values({
      mspId: a.mspId,
      kind: 'connectwise',
      settings: { connection: { site: 'http://127.0.0.1:9', companyId: 'x', publicKey: 'x', clientId: 'x', apiVersion: 'v4_6_release' } },
      credentialsEnc: secrets.seal(JSON.stringify({ privateKey: 'x' })),
    })
    .returning();
  await t.database.db.insert(psaTenantMapping).values({ mspId: a.mspId, connectionId: psa!.id, tenantId, companyId: '1', companyName: 'Contoso', routing: {} });
  // Remediation: the event offers actions on a user; pending requests by a technician (the owner approves or rejects them),
  // a succeeded block to undo, and a reset whose temporary password waits for its requester (the owner).
  await t.database.db.insert(eventEntity).values({
    eventId: event!.id,
    mspId: a.mspId,
    kind: 'user',
    key: 'megan@contoso.example',
    remediations: ['block-sign-in', 'revoke-sessions', 'reset-password'],
  });
  fixtures['POST /api/v1/events/{id}/remediations'] = event!.id;
  const technician = await addMember(t.database, a.mspId, 'technician');
  fixtures['POST /api/v1/approvals/{id}/approve'] = (
    await requestRemediation({ ctx: technician.ctx, eventId: event!.id, input: { action: 'block-sign-in' } })
  ).id;
  fixtures['POST /api/v1/approvals/{id}/reject'] = (
    await requestRemediation({ ctx: technician.ctx, eventId: event!.id, input: { action: 'reset-password' } })
  ).id;
  const [done] = await t.database.db
    .insert(remediationRequest)
    .values({
      mspId: a.mspId,
      tenantId,
      eventId: event!.id,
      action: 'block-sign-in',
      entity: { kind: 'user', key: 'megan@contoso.example' },
      status: 'succeeded',
      requestedBy: a.userId,
      before: { accountEnabled: true },
      result: { accountEnabled: false },
      secretEnc: secrets.seal('Temporary-Passw0rd!'),
    })
    .returning();
  for (const key of ['GET /api/v1/actions/{id}', 'POST /api/v1/actions/{id}/undo', 'POST /api/v1/actions/{id}/temporary-password']) fixtures[key] = done!.id;
  const rule = async () => {
    const res = await call(t.app, 'POST', '/api/v1/whitelist-rules', {
      token: a.token,
      body: { expression: "Event.UserName = 'x@contoso.com'", reason: 'test' },
    });
    return ((await res.json()) as { id: string }).id;
  };
  fixtures['GET /api/v1/whitelist-rules/{id}'] = fixtures['PATCH /api/v1/whitelist-rules/{id}'] = await rule();
  fixtures['DELETE /api/v1/whitelist-rules/{id}'] = await rule();
  const detection = async () => {
    const res = await call(t.app, 'POST', '/api/v1/custom-detections', {
      token: a.token,
      body: { title: 'Locked out', severity: 'medium', expression: "Event.OperationResult = 'LockedOut'" },
    });
    return ((await res.json()) as { id: string }).id;
  };
  for (const key of ['GET /api/v1/custom-detections/{id}', 'PATCH /api/v1/custom-detections/{id}']) fixtures[key] = await detection();
  // Its own one: the owner's call in the 404 test really deletes it.
  fixtures['DELETE /api/v1/custom-detections/{id}'] = await detection();
  const trigger = async () => {
    const res = await call(t.app, 'POST', '/api/v1/triggers', {
      token: a.token,
      body: {
        name: 'Lockouts',
        condition: "Event.OperationResult = 'LockedOut'",
        actions: [{ kind: 'email', settings: { to: ['@owners'], subject: '{Event.UserName}', body: 'x' } }],
      },
    });
    return ((await res.json()) as { id: string }).id;
  };
  for (const key of ['GET /api/v1/triggers/{id}', 'PUT /api/v1/triggers/{id}', 'POST /api/v1/triggers/{id}/clone', 'POST /api/v1/triggers/{id}/test'])
    fixtures[key] = await trigger();
  queryIds.trigger = fixtures['GET /api/v1/triggers/{id}']!;
  fixtures['DELETE /api/v1/triggers/{id}'] = await trigger();
  // A message of MSP A in the SMTP sink, sent for one of its deliveries.
  await t.database.db.insert(delivery).values({ mspId: a.mspId, kind: 'email', idempotencyKey: 'fixture:outbox', payload: {}, status: 'delivered' });
  const mailer = createMailer({
    host: sink.host,
    port: sink.port,
    security: 'none',
    user: undefined,
    password: undefined,
    from: 'Tenantwatch <alerts@northwind.example>',
    timeoutSeconds: 30,
    maxConnections: 1,
  });
  expect(await mailer.sendRendered({ to: [a.email], idempotencyKey: 'fixture:outbox', subject: 'Fixture', text: 'x', html: '<p>x</p>' })).toMatchObject({
    ok: true,
  });
  mailer.close();
  fixtures['GET /api/v1/outbox/{id}'] = fixtures['GET /api/v1/outbox/{id}/html'] = sink.messages()[0]!.id;
});
afterAll(async () => {
  await t.drop();
  await sink.stop();
  recordCounts('isolation', {
    routes: operations.length,
    routesWithIds: operations.filter((op) => /\{id\}/.test(op.path)).length,
    guardedRoutes: guarded.length,
    roleCases: ROLE_CASES.length,
    requests,
  });
});

// Query parameters a route needs besides its ids (an upload names its file).
const QUERIES: Record<string, string> = { 'POST /api/v1/tenants/{id}/imports': '?fileName=audit.jsonl' };
const withQuery = (op: Op, path: string) => path + (QUERIES[op.key] ?? '');
const fill = (op: Op) =>
  withQuery(
    op,
    op.path
      .replace('{token}', 'x'.repeat(43))
      .replace('{kind}', 'connectwise')
      .replace('{list}', 'boards')
      .replace(/\{(\w+)\}/g, () => fixtures[op.key] ?? 'missing-fixture'),
  );
// Bodies a route needs for its owner's call to succeed.
const BODIES: Record<string, unknown> = { 'POST /api/v1/events/{id}/remediations': { action: 'revoke-sessions' } };
const sampleBody = (op: Op) =>
  op.key === 'POST /api/v1/tenants'
    ? sampleTenant(99)
    : op.key === 'POST /api/v1/tenants/consent-link'
      ? { name: 'Contoso', primaryDomain: 'contoso.com' }
      : (BODIES[op.key] ?? {});

describe('every API route', () => {
  test('the document lists routes', () => {
    expect(operations.length).toBeGreaterThanOrEqual(8);
  });

  test.each(operations.filter((op) => !PUBLIC.has(op.key) && !BROWSER_REDIRECTS.has(op.key)))('$key answers 401 without credentials', async (op) => {
    const res = await req(t.app, op.method, fill(op), isWrite(op) ? { body: sampleBody(op) } : {});
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthenticated', requestId: expect.any(String) } });
  });

  test("every route says who may call it: a permission from the product's table (services/core/authz.ts), or it is public or about the caller themselves", () => {
    const undeclared = operations.filter((op) => !op.permission && !PUBLIC.has(op.key) && !SELF.has(op.key) && !BROWSER_REDIRECTS.has(op.key));
    expect(
      undeclared.map((op) => op.key),
      'add ...guard(permission) to these routes',
    ).toEqual([]);
    for (const op of guarded) expect(op.leastRole, op.key).toBe(PERMISSIONS[op.permission!]);
  });

  const idRoutes = operations.filter((op) => /\{id\}/.test(op.path));
  test.each(idRoutes)("$key answers another MSP's id exactly as a missing one, by token and by session", async (op) => {
    expect(fixtures[op.key], `add a fixture for ${op.key} in this suite`).toBeDefined();
    const upload = op.key in QUERIES ? { body: '{"CreationTime":"2026-11-01T00:00:00"}\n' } : {};
    const body = op.key in BODIES ? { body: BODIES[op.key] } : {};
    const own = await req(t.app, op.method, fill(op), { token: a.token, ...upload, ...body });
    // The owner reaches it (this test app has no Microsoft sign-in, so a tenant check answers 503).
    expect(own.status === 503 || own.status < 300, `${op.key} for its own MSP answered ${own.status}`).toBe(true);
    await own.body?.cancel();
    const missingPath = withQuery(op, op.path.replace('{id}', MISSING_ID));
    for (const who of [{ token: b.token }, bSession]) {
      const other = await req(t.app, op.method, fill(op), { ...who, ...upload, ...body });
      const missing = await req(t.app, op.method, missingPath, { ...who, ...upload, ...body });
      expect(other.status).toBe(404);
      expect(missing.status).toBe(404);
      // Same answer as an id that does not exist anywhere: no hint that it exists.
      expect(await errorOf(other)).toEqual(await errorOf(missing));
    }
  });

  // Lists, charts, exports and histories filtered by an object's id (a tenant, an event, a trigger,
  // a user): another MSP's id answers exactly as an id that does not exist.
  const ID_QUERY_PARAMS = ['tenant', 'event', 'eventId', 'trigger', 'actor'];
  const idQueries = operations
    .filter((op) => !PUBLIC.has(op.key) && !BROWSER_REDIRECTS.has(op.key))
    .flatMap((op) => {
      const params = ((doc.paths?.[op.path] as Record<string, { parameters?: { name: string; in: string }[] }>)[op.method.toLowerCase()]?.parameters ?? [])
        .filter((p) => p.in === 'query' && ID_QUERY_PARAMS.includes(p.name))
        .map((p) => p.name);
      return params.map((param) => ({ ...op, param, label: `${op.key}?${param}=` }));
    });
  test('routes filtered by an id are found in the document', () => {
    expect(idQueries.map((q) => q.label)).toEqual(
      expect.arrayContaining(['GET /api/v1/events?tenant=', 'GET /api/v1/events/export.csv?tenant=', 'GET /api/v1/events/summary?tenant=']),
    );
  });
  test.each(idQueries)("$label with another MSP's id answers as with a missing one", async (q) => {
    const url = (id: string) => `${fill(q)}${fill(q).includes('?') ? '&' : '?'}${q.param}=${id}`;
    const own = await req(t.app, q.method, url(queryIds[q.param]!), { token: a.token });
    expect(own.status, `${q.label} for its own MSP`).toBeLessThan(300);
    await own.body?.cancel();
    for (const who of [{ token: b.token }, bSession]) {
      const other = await req(t.app, q.method, url(queryIds[q.param]!), who);
      const missing = await req(t.app, q.method, url(MISSING_ID), who);
      expect(other.status).toBe(missing.status);
      expect(other.headers.get('content-type')).toBe(missing.headers.get('content-type'));
      expect(comparable(await other.text())).toBe(comparable(await missing.text()));
    }
  });

  test("live lookups: another MSP's event answers as a missing one", async () => {
    for (const who of [{ token: b.token }, bSession]) {
      const other = await req(t.app, 'GET', `/api/v1/events/${fixtures['GET /api/v1/events/{id}/entities']}/entities?live=1`, who);
      const missing = await req(t.app, 'GET', `/api/v1/events/${MISSING_ID}/entities?live=1`, who);
      expect(other.status).toBe(404);
      expect(await errorOf(other)).toEqual(await errorOf(missing));
    }
  });

  test.each([...BROWSER_REDIRECTS])('%s sends a browser without a session to the tenants page, doing nothing', async (key) => {
    const [method, path] = key.split(' ') as [string, string];
    const res = await call(t.app, method, path);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/^\/tenants\?consentError=Sign\+in/);
  });
});

/**
 * Each role against each guarded route: below the route's least role (from the document, which
 * takes it from the product's permission table) 403 by token and by session; at or above it, the
 * guard lets the call through. Runs last: the allowed calls really change MSP A's objects.
 */
const ROLE_CASES = guarded.flatMap((op) => USER_ROLES.map((role) => ({ ...op, role, allowed: rank(role) >= rank(op.leastRole!) })));
describe('each role on each route', () => {
  const sessions = {} as Record<UserRole, { cookie: string; csrf: string }>;
  beforeAll(async () => {
    for (const role of USER_ROLES) sessions[role] = await signInCookie(t.app, staff[role]);
  });

  test.each(ROLE_CASES.filter((c) => !c.allowed))('$key answers 403 to $role', async (c) => {
    for (const who of [{ token: staff[c.role].token }, sessions[c.role]]) {
      const res = await req(t.app, c.method, fill(c), { ...who, ...(isWrite(c) ? { body: sampleBody(c) } : {}) });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'forbidden' } });
    }
  });

  test.each(ROLE_CASES.filter((c) => c.allowed))('$key lets $role through', async (c) => {
    const res = await req(t.app, c.method, fill(c), { token: staff[c.role].token, ...(isWrite(c) ? { body: sampleBody(c) } : {}) });
    expect(res.status, `${c.key} as ${c.role}`).not.toBe(401);
    // A rule past the role may still refuse (only the requester sees a temporary password), never the role itself.
    if (res.status === 403) expect(((await res.json()) as { error: { message: string } }).error.message).not.toMatch(/^Your role/);
    else await res.body?.cancel();
  });
});

describe('lists never cross MSPs', () => {
  test("MSP B's tenant list does not show MSP A's tenant", async () => {
    const res = await call(t.app, 'GET', '/api/v1/tenants', { token: b.token });
    expect(((await res.json()) as { items: unknown[] }).items).toEqual([]);
  });

  test("MSP B's user list shows only MSP B's users", async () => {
    const res = await call(t.app, 'GET', '/api/v1/users', { token: b.token });
    const emails = ((await res.json()) as { items: { email: string }[] }).items.map((u) => u.email);
    expect(emails).toEqual([b.email]);
  });
});
