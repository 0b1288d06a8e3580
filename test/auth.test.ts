import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { appUser, auditLog, msp } from '../db/schema/index.ts';
import { createFirstOwnerLink } from '../services/core/auth/setup-tokens.ts';
import { call, createTestApp, sampleTenant, seedMsp, signInCookie } from './helpers/app.ts';

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.drop());

describe('first start: the one-time setup link creates the first owner', () => {
  let token: string;

  test('a link is issued only while no owner exists, and only the newest one works', async () => {
    const older = await createFirstOwnerLink(t.database.db);
    token = (await createFirstOwnerLink(t.database.db))!;
    expect(older).toBeTruthy();
    expect((await call(t.app, 'GET', `/api/v1/setup/${older}`)).status).toBe(404);
    const res = await call(t.app, 'GET', `/api/v1/setup/${token}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ kind: 'first_owner', state: 'valid' });
  });

  test('a short password is refused before anything is created', async () => {
    const res = await call(t.app, 'POST', `/api/v1/setup/${token}`, {
      body: { name: 'Ann', password: 'short', email: 'ann@northwind.example', mspName: 'Northwind' },
    });
    expect(res.status).toBe(400);
    expect((await t.database.db.select().from(msp)).length).toBe(0);
  });

  test('using it creates the MSP and owner and signs in', async () => {
    const res = await call(t.app, 'POST', `/api/v1/setup/${token}`, {
      body: { name: 'Ann Owner', password: 'a long enough passphrase', email: 'Ann@Northwind.example', mspName: 'Northwind IT' },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { user: { email: string; role: string }; msp: { name: string }; csrfToken: string };
    expect(body.user).toMatchObject({ email: 'ann@northwind.example', role: 'owner' });
    expect(body.msp.name).toBe('Northwind IT');
    expect(res.headers.get('set-cookie')).toMatch(/^tw_session=[\w-]{43};/);
    const audit = await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'setup.first_owner'));
    expect(audit).toHaveLength(1);
  });

  test('the link works once, and no new first-owner link is issued afterwards', async () => {
    const res = await call(t.app, 'POST', `/api/v1/setup/${token}`, {
      body: { name: 'Mallory', password: 'a long enough passphrase', email: 'mallory@evil.example', mspName: 'Evil' },
    });
    expect(res.status).toBe(409);
    expect(await (await call(t.app, 'GET', `/api/v1/setup/${token}`)).json()).toEqual({ kind: 'first_owner', state: 'used' });
    expect(await createFirstOwnerLink(t.database.db)).toBeNull();
  });
});

describe('sessions', () => {
  test('sign-in sets a Secure, HttpOnly, SameSite cookie; the session answers who you are', async () => {
    const member = await seedMsp(t.database, 'technician');
    const { cookie, setCookie } = await signInCookie(t.app, member);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/Secure/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Path=\//);
    const res = await call(t.app, 'GET', '/api/v1/auth/session', { cookie });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { email: member.email, role: 'technician' } });
  });

  test('a wrong password and an unknown email get the same answer', async () => {
    const member = await seedMsp(t.database);
    const wrong = await call(t.app, 'POST', '/api/v1/auth/sign-in', { body: { email: member.email, password: 'nope nope nope' } });
    const unknown = await call(t.app, 'POST', '/api/v1/auth/sign-in', { body: { email: 'nobody@northwind.example', password: 'nope nope nope' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toBe(
      ((await unknown.json()) as { error: { message: string } }).error.message,
    );
  });

  test('after 10 failed sign-ins in 15 minutes the account refuses attempts, even with the right password', async () => {
    const member = await seedMsp(t.database);
    for (let i = 0; i < 10; i++) {
      expect((await call(t.app, 'POST', '/api/v1/auth/sign-in', { body: { email: member.email, password: `wrong guess ${i}` } })).status).toBe(401);
    }
    const refused = await call(t.app, 'POST', '/api/v1/auth/sign-in', { body: { email: member.email, password: member.password } });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(900);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited', message: expect.stringContaining('Too many failed sign-ins') } });
    // Another account is not affected.
    const other = await seedMsp(t.database);
    expect((await call(t.app, 'POST', '/api/v1/auth/sign-in', { body: { email: other.email, password: other.password } })).status).toBe(200);
  }, 60_000);

  test('a disabled user cannot sign in and their session stops working', async () => {
    const member = await seedMsp(t.database);
    const { cookie } = await signInCookie(t.app, member);
    await t.database.db.update(appUser).set({ status: 'disabled' }).where(eq(appUser.id, member.userId));
    expect((await call(t.app, 'GET', '/api/v1/auth/session', { cookie })).status).toBe(401);
    expect((await call(t.app, 'POST', '/api/v1/auth/sign-in', { body: { email: member.email, password: member.password } })).status).toBe(401);
  });

  test('sign-out ends the session', async () => {
    const member = await seedMsp(t.database);
    const { cookie, csrf } = await signInCookie(t.app, member);
    const out = await call(t.app, 'POST', '/api/v1/auth/sign-out', { cookie, csrf });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/tw_session=;/);
    expect((await call(t.app, 'GET', '/api/v1/auth/session', { cookie })).status).toBe(401);
  });
});

describe('CSRF protection on cookie-authenticated writes', () => {
  test('a write without the CSRF token is refused and changes nothing', async () => {
    const member = await seedMsp(t.database, 'admin');
    const { cookie, csrf } = await signInCookie(t.app, member);
    const refused = await call(t.app, 'POST', '/api/v1/tenants', { cookie, body: sampleTenant(1) });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 'forbidden', message: expect.stringContaining('CSRF') } });
    const wrong = await call(t.app, 'POST', '/api/v1/tenants', { cookie, csrf: csrf.slice(1) + 'x', body: sampleTenant(1) });
    expect(wrong.status).toBe(403);
    const list = await call(t.app, 'GET', '/api/v1/tenants', { cookie });
    expect(((await list.json()) as { items: unknown[] }).items).toHaveLength(0);

    const ok = await call(t.app, 'POST', '/api/v1/tenants', { cookie, csrf, body: sampleTenant(1) });
    expect(ok.status).toBe(201);
  });

  test('a write from another origin is refused even with the token', async () => {
    const member = await seedMsp(t.database, 'admin');
    const { cookie, csrf } = await signInCookie(t.app, member);
    const res = await call(t.app, 'POST', '/api/v1/tenants', { cookie, csrf, body: sampleTenant(2), headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
  });

  test('sign-out without the token is refused too (no forced sign-out)', async () => {
    const member = await seedMsp(t.database);
    const { cookie } = await signInCookie(t.app, member);
    expect((await call(t.app, 'POST', '/api/v1/auth/sign-out', { cookie })).status).toBe(403);
    expect((await call(t.app, 'GET', '/api/v1/auth/session', { cookie })).status).toBe(200);
  });

  test('bearer-token writes need no CSRF token', async () => {
    const member = await seedMsp(t.database, 'admin');
    const res = await call(t.app, 'POST', '/api/v1/tenants', { token: member.token, body: sampleTenant(3) });
    expect(res.status).toBe(201);
  });
});

describe('API tokens', () => {
  test('a revoked-looking or unknown token is a 401, not an anonymous call', async () => {
    const res = await call(t.app, 'GET', '/api/v1/tenants', { token: 'tw_unknown' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthenticated' } });
  });

  test('a signed-in user creates a token for themselves, never above their role', async () => {
    const member = await seedMsp(t.database, 'technician');
    const { cookie, csrf } = await signInCookie(t.app, member);
    const created = await call(t.app, 'POST', '/api/v1/tokens', { cookie, csrf, body: { name: 'PSA sync' } });
    expect(created.status).toBe(201);
    const { token, role } = (await created.json()) as { token: string; role: string };
    expect(role).toBe('technician');
    expect((await call(t.app, 'GET', '/api/v1/tenants', { token })).status).toBe(200);
    const above = await call(t.app, 'POST', '/api/v1/tokens', { cookie, csrf, body: { name: 'x', role: 'admin' } });
    expect(above.status).toBe(403);
  });

  test('a token cannot mint tokens', async () => {
    const member = await seedMsp(t.database, 'owner');
    const res = await call(t.app, 'POST', '/api/v1/tokens', { token: member.token, body: { name: 'x' } });
    expect(res.status).toBe(403);
  });
});

describe('invitations', () => {
  test('an admin invites a user, who sets a password through the link and signs in', async () => {
    const admin = await seedMsp(t.database, 'admin');
    const res = await call(t.app, 'POST', '/api/v1/users', { token: admin.token, body: { email: 'New.Tech@Northwind.example', role: 'technician' } });
    expect(res.status).toBe(201);
    const { setupUrl, user } = (await res.json()) as { setupUrl: string; user: { status: string } };
    expect(user.status).toBe('invited');
    expect(setupUrl).toMatch(/^http:\/\/localhost:8787\/setup\/[\w-]{43}$/);
    const linkToken = setupUrl.split('/').pop()!;
    const info = await call(t.app, 'GET', `/api/v1/setup/${linkToken}`);
    expect(await info.json()).toMatchObject({ kind: 'invite', email: 'new.tech@northwind.example' });
    const done = await call(t.app, 'POST', `/api/v1/setup/${linkToken}`, { body: { name: 'New Tech', password: 'another good passphrase' } });
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ user: { role: 'technician' }, msp: { id: admin.mspId } });
    await signInCookie(t.app, { email: 'new.tech@northwind.example', password: 'another good passphrase' });
  });

  test('an admin cannot invite an owner; a duplicate email is a conflict', async () => {
    const admin = await seedMsp(t.database, 'admin');
    expect((await call(t.app, 'POST', '/api/v1/users', { token: admin.token, body: { email: 'boss@northwind.example', role: 'owner' } })).status).toBe(403);
    expect((await call(t.app, 'POST', '/api/v1/users', { token: admin.token, body: { email: admin.email, role: 'read_only' } })).status).toBe(409);
  });
});
