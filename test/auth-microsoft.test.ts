import { and, eq } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { appUser, auditLog } from '../db/schema/index.ts';
import { DEFAULT_USER_PASSWORD, startM365Simulator, type M365Simulator } from '../services/sim/m365/index.ts';
import { COLLECTOR_APP_ID, COLLECTOR_SECRET, NORTHWIND_ID, NORTHWIND_PEOPLE, browserSignIn, collectorApp, northwindWithPeople } from './helpers/m365-sim.ts';
import { simulatorTls } from '../services/sim/m365/tls.ts';
import { addMember, call, createTestApp, type Member, seedMsp, secrets } from './helpers/app.ts';

/**
 * "Sign in with Microsoft" end to end against the Microsoft 365 simulator over HTTPS: the start
 * redirect, Microsoft's sign-in form driven as a browser would, the callback with the flow
 * cookie, and who is let in (a linked or matching Tenantwatch user) or refused.
 */
const CALLBACK = 'http://localhost:8787/api/v1/auth/microsoft/callback';
const { admin, user: alex, disabled } = NORTHWIND_PEOPLE;

let sim: M365Simulator;
let t: Awaited<ReturnType<typeof createTestApp>>;
let owner: Member;

beforeAll(async () => {
  sim = await startM365Simulator({
    tls: simulatorTls(),
    // The MSP's own app, with Tenantwatch's callback as a Web redirect URI.
    apps: [{ ...collectorApp(), displayName: 'Tenantwatch', redirectUris: [CALLBACK] }],
    tenants: [northwindWithPeople()],
  });
  t = await createTestApp({ TW_LOGIN_URL: sim.url, TW_MS_CLIENT_ID: COLLECTOR_APP_ID, TW_MS_CLIENT_SECRET: COLLECTOR_SECRET }, { microsoftSignIn: true });
  owner = await seedMsp(t.database, 'owner');
}, 60_000);
afterAll(async () => {
  await sim?.close();
  await t?.drop();
});

const cookieOf = (res: Response, name: string) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith(`${name}=`)) ?? '';

/** GET /auth/microsoft/start: Microsoft's authorize URL and the flow cookie. */
async function start(next?: string) {
  const res = await call(t.app, 'GET', `/api/v1/auth/microsoft/start${next ? `?next=${encodeURIComponent(next)}` : ''}`);
  expect(res.status).toBe(302);
  const url = new URL(res.headers.get('location') ?? '');
  const flow = cookieOf(res, 'tw_ms_flow');
  expect(flow).not.toBe('');
  return { url, flow };
}

/** Microsoft's sign-in form as a browser fills it; returns the callback URL Microsoft sends back to. */
async function signInAtMicrosoft(url: URL, upn: string): Promise<URL> {
  const { response } = await browserSignIn(url.toString(), upn, DEFAULT_USER_PASSWORD);
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location') ?? '');
  expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
  return location;
}

/** The browser arriving back at Tenantwatch; answers where it is sent and the cookies set. */
async function callback(location: URL, flowCookie: string) {
  const res = await call(t.app, 'GET', `${location.pathname}${location.search}`, flowCookie ? { cookie: flowCookie } : {});
  expect(res.status).toBe(302);
  return { target: new URL(res.headers.get('location') ?? '', 'http://localhost:8787'), res };
}

async function fullSignIn(upn: string, next?: string) {
  const { url, flow } = await start(next);
  return callback(await signInAtMicrosoft(url, upn), flow);
}

describe('Sign in with Microsoft', () => {
  test('the sign-in page is told it is available', async () => {
    expect(await (await call(t.app, 'GET', '/api/v1/auth/options')).json()).toEqual({ password: true, microsoft: true });
    const plain = await createTestApp();
    expect(await (await call(plain.app, 'GET', '/api/v1/auth/options')).json()).toEqual({ password: true, microsoft: false });
    const res = await call(plain.app, 'GET', '/api/v1/auth/microsoft/start?next=/tenants');
    expect(res.headers.get('location')).toMatch(/^\/signin\?error=Sign\+in\+with\+Microsoft\+is\+not\+set\+up/);
    await plain.drop();
  });

  test('the start asks Microsoft for a code with PKCE, a state and a nonce', async () => {
    const { url } = await start('/tenants');
    expect(`${url.origin}${url.pathname}`).toBe(`${sim.url}/organizations/oauth2/v2.0/authorize`);
    const q = url.searchParams;
    expect(q.get('client_id')).toBe(COLLECTOR_APP_ID);
    expect(q.get('redirect_uri')).toBe(CALLBACK);
    expect(q.get('response_type')).toBe('code');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')?.length).toBeGreaterThan(40);
    expect(q.get('state')?.length).toBeGreaterThan(20);
    expect(q.get('nonce')?.length).toBeGreaterThan(20);
    expect(q.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));
  });

  test('first use links the user whose email is the Microsoft sign-in name; later the link alone counts', async () => {
    const member = await addMember(t.database, owner.mspId, 'technician');
    await t.database.db.update(appUser).set({ email: admin.userPrincipalName.toUpperCase() }).where(eq(appUser.id, member.userId));
    const { target, res } = await fullSignIn(admin.userPrincipalName, '/tenants?x=1');
    expect(`${target.pathname}${target.search}`).toBe('/tenants?x=1');
    const session = cookieOf(res, 'tw_session');
    expect(session).not.toBe('');
    // The flow cookie is spent.
    expect(res.headers.getSetCookie().some((c) => c.startsWith('tw_ms_flow=;'))).toBe(true);
    const who = await call(t.app, 'GET', '/api/v1/auth/session', { cookie: session });
    expect(await who.json()).toMatchObject({ user: { id: member.userId, role: 'technician' } });

    const [row] = await t.database.db.select().from(appUser).where(eq(appUser.id, member.userId));
    expect(row).toMatchObject({ msTenantId: NORTHWIND_ID, msObjectId: admin.id });
    const audit = await t.database.db.select({ action: auditLog.action, details: auditLog.details }).from(auditLog).where(eq(auditLog.actorId, member.userId));
    expect(audit.find((a) => a.action === 'auth.microsoft_linked')?.details).toMatchObject({ tenantId: NORTHWIND_ID, objectId: admin.id });
    expect(audit.find((a) => a.action === 'auth.sign_in')?.details).toMatchObject({ method: 'microsoft' });

    // The Tenantwatch email changes: the linked Microsoft account still signs in as this user.
    await t.database.db.update(appUser).set({ email: 'renamed@northwind.example' }).where(eq(appUser.id, member.userId));
    const again = await fullSignIn(admin.userPrincipalName);
    expect(again.target.pathname).toBe('/');
    const who2 = await call(t.app, 'GET', '/api/v1/auth/session', { cookie: cookieOf(again.res, 'tw_session') });
    expect(await who2.json()).toMatchObject({ user: { id: member.userId } });
  }, 30_000);

  test('a Microsoft account with no Tenantwatch user is refused; nobody is created', async () => {
    const before = await t.database.db.select({ id: appUser.id }).from(appUser);
    const { target, res } = await fullSignIn(alex.userPrincipalName, '/users');
    expect(target.pathname).toBe('/signin');
    expect(target.searchParams.get('error')).toMatch(/^No Tenantwatch account matches the Microsoft account alex\.user@northwind\.onmicrosoft\.com/);
    expect(target.searchParams.get('next')).toBe('/users');
    expect(cookieOf(res, 'tw_session')).toBe('');
    expect(await t.database.db.select({ id: appUser.id }).from(appUser)).toHaveLength(before.length);
  });

  test('a disabled Tenantwatch user is refused even when the email matches', async () => {
    const member = await addMember(t.database, owner.mspId, 'admin');
    await t.database.db.update(appUser).set({ email: alex.userPrincipalName, status: 'disabled' }).where(eq(appUser.id, member.userId));
    const { target } = await fullSignIn(alex.userPrincipalName);
    expect(target.searchParams.get('error')).toMatch(/^No Tenantwatch account matches/);
    const [row] = await t.database.db.select().from(appUser).where(eq(appUser.id, member.userId));
    expect(row!.msObjectId).toBeNull();
    await t.database.db.delete(appUser).where(eq(appUser.id, member.userId));
  });

  test('a changed state, a missing flow cookie and a replayed answer are all refused', async () => {
    const member = await addMember(t.database, owner.mspId, 'read_only');
    await t.database.db
      .update(appUser)
      .set({ email: disabled.userPrincipalName.replace('gone', 'kept') })
      .where(eq(appUser.id, member.userId));

    const { url, flow } = await start();
    const location = await signInAtMicrosoft(url, admin.userPrincipalName);
    const tampered = new URL(location);
    tampered.searchParams.set('state', `${location.searchParams.get('state')}x`);
    const a = await callback(tampered, flow);
    expect(a.target.searchParams.get('error')).toMatch(/state does not match/);

    const b = await callback(location, '');
    expect(b.target.searchParams.get('error')).toMatch(/could not be matched to this browser/);

    // A flow cookie sealed under another key, or edited, does not open.
    const forged = `tw_ms_flow=${secrets.seal('{}')}`;
    expect((await callback(location, forged)).target.searchParams.get('error')).toMatch(/could not be matched/);

    // The genuine answer once works, a second time Microsoft refuses the spent code.
    const first = await callback(location, flow);
    expect(first.target.pathname).toBe('/');
    const replay = await callback(location, flow);
    expect(replay.target.pathname).toBe('/signin');
    expect(replay.target.searchParams.get('error')).toMatch(/^Microsoft did not complete the sign-in/);
    expect(cookieOf(replay.res, 'tw_session')).toBe('');
  }, 30_000);

  test("Microsoft's own error (the user cancelled) comes back as words on the sign-in page", async () => {
    const res = await call(t.app, 'GET', '/api/v1/auth/microsoft/callback?error=access_denied&error_description=AADSTS65004%3A+cancelled&state=abc');
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location') ?? '', 'http://x').searchParams.get('error')).toBe('The Microsoft sign-in was cancelled.');
  });

  test('a user with two-step sign-in still enters their code after Microsoft', async () => {
    const member = await addMember(t.database, owner.mspId, 'admin');
    const secret = new Secret({ size: 20 });
    await t.database.db
      .update(appUser)
      .set({
        email: 'megan.two-step@northwind.example',
        msTenantId: NORTHWIND_ID,
        msObjectId: disabled.id,
        totpSecretEnc: secrets.seal(secret.base32),
        totpEnabledAt: new Date(),
      })
      .where(eq(appUser.id, member.userId));
    // The simulated account is disabled at Microsoft: re-enable it for this test's sign-in.
    sim.state.findTenant(NORTHWIND_ID)!.users.find((u) => u.id === disabled.id)!.accountEnabled = true;

    const { target, res } = await fullSignIn(disabled.userPrincipalName, '/users');
    expect(target.pathname).toBe('/signin');
    expect(target.searchParams.get('step')).toBe('code');
    expect(target.searchParams.get('next')).toBe('/users');
    expect(cookieOf(res, 'tw_session')).toBe('');
    const pending = cookieOf(res, 'tw_pending_sign_in');
    const code = new TOTP({ secret, algorithm: 'SHA1', digits: 6, period: 30 }).generate();
    const done = await call(t.app, 'POST', '/api/v1/auth/sign-in/code', { cookie: pending, body: { code } });
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ user: { id: member.userId } });
    const [signIn] = await t.database.db
      .select({ details: auditLog.details })
      .from(auditLog)
      .where(and(eq(auditLog.actorId, member.userId), eq(auditLog.action, 'auth.sign_in')));
    expect(signIn?.details).toMatchObject({ method: 'microsoft', secondFactor: 'totp' });
  }, 30_000);
});
