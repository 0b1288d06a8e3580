import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditLog } from '../../db/schema/index.ts';
import { addMember, call, createTestApp, type Member, seedMsp, signInCookie } from '../helpers/app.ts';

/** Changing one's password, and an admin's reset link; each step leaves an audit record. */

let t: Awaited<ReturnType<typeof createTestApp>>;
let owner: Member;
beforeAll(async () => {
  t = await createTestApp();
  owner = await seedMsp(t.database, 'owner');
});
afterAll(() => t.drop());

const signInStatus = async (email: string, password: string) => (await call(t.app, 'POST', '/api/v1/auth/sign-in', { body: { email, password } })).status;
const audits = (userId: string, action: string) =>
  t.database.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.targetId, userId), eq(auditLog.action, action)));
const tokenOf = (url: string) => new URL(url).pathname.split('/').pop()!;

describe('change password', () => {
  test('needs the current password; ends the other sessions, keeps this one', async () => {
    const member = await addMember(t.database, owner.mspId, 'technician');
    const here = await signInCookie(t.app, member);
    const elsewhere = await signInCookie(t.app, member);
    const wrong = await call(t.app, 'POST', '/api/v1/auth/password', {
      ...here,
      body: { currentPassword: 'not my password', newPassword: 'my brand new passphrase' },
    });
    expect(wrong.status).toBe(400);
    expect(await audits(member.userId, 'auth.password_change_failed')).toHaveLength(1);

    const changed = await call(t.app, 'POST', '/api/v1/auth/password', {
      ...here,
      body: { currentPassword: member.password, newPassword: 'my brand new passphrase' },
    });
    expect(changed.status).toBe(204);
    expect((await call(t.app, 'GET', '/api/v1/auth/session', here)).status).toBe(200);
    expect((await call(t.app, 'GET', '/api/v1/auth/session', elsewhere)).status).toBe(401);
    expect(await signInStatus(member.email, member.password)).toBe(401);
    expect(await signInStatus(member.email, 'my brand new passphrase')).toBe(200);
    expect(await audits(member.userId, 'auth.password_changed')).toHaveLength(1);
  });

  test("an API token cannot change its user's password", async () => {
    const member = await addMember(t.database, owner.mspId, 'technician');
    const res = await call(t.app, 'POST', '/api/v1/auth/password', {
      token: member.token,
      body: { currentPassword: member.password, newPassword: 'my brand new passphrase' },
    });
    expect(res.status).toBe(403);
  });
});

describe('admin password reset', () => {
  test('a one-time link: sessions end, the old password and earlier links stop working', async () => {
    const member = await addMember(t.database, owner.mspId, 'technician');
    const session = await signInCookie(t.app, member);
    const first = await call(t.app, 'POST', `/api/v1/users/${member.userId}/password-reset`, { token: owner.token });
    expect(first.status).toBe(201);
    const { resetUrl: firstUrl } = (await first.json()) as { resetUrl: string };
    expect((await call(t.app, 'GET', '/api/v1/auth/session', session)).status).toBe(401);
    expect(await signInStatus(member.email, member.password)).toBe(401);

    const second = await call(t.app, 'POST', `/api/v1/users/${member.userId}/password-reset`, { token: owner.token });
    const { resetUrl } = (await second.json()) as { resetUrl: string };
    expect(await (await call(t.app, 'GET', `/api/v1/setup/${tokenOf(firstUrl)}`)).json()).toEqual({ kind: 'password_reset', state: 'revoked' });
    expect(await (await call(t.app, 'GET', `/api/v1/setup/${tokenOf(resetUrl)}`)).json()).toMatchObject({
      kind: 'password_reset',
      state: 'valid',
      email: member.email,
    });

    const used = await call(t.app, 'POST', `/api/v1/setup/${tokenOf(resetUrl)}`, { body: { password: 'the reset passphrase' } });
    expect(used.status).toBe(200);
    expect(await used.json()).toMatchObject({ user: { id: member.userId } });
    expect(await signInStatus(member.email, 'the reset passphrase')).toBe(200);
    expect(await (await call(t.app, 'GET', `/api/v1/setup/${tokenOf(resetUrl)}`)).json()).toEqual({ kind: 'password_reset', state: 'used' });
    expect((await call(t.app, 'POST', `/api/v1/setup/${tokenOf(resetUrl)}`, { body: { password: 'someone else again' } })).status).toBe(409);
    expect(await audits(member.userId, 'user.password_reset_issued')).toHaveLength(2);
    expect(await audits(member.userId, 'auth.password_reset')).toHaveLength(1);
  });

  test("only for active users, never oneself, never above one's role", async () => {
    const admin = await addMember(t.database, owner.mspId, 'admin');
    const reset = (by: Member, id: string) => call(t.app, 'POST', `/api/v1/users/${id}/password-reset`, { token: by.token });
    expect((await reset(admin, owner.userId)).status).toBe(403);
    expect((await reset(admin, admin.userId)).status).toBe(409);
    const reader = await addMember(t.database, owner.mspId, 'read_only');
    expect((await reset(reader, admin.userId)).status).toBe(403);
    const other = await seedMsp(t.database, 'owner');
    expect((await reset(other, admin.userId)).status).toBe(404);
  });
});
