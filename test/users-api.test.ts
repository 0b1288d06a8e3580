import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditLog, tenant } from '../db/schema/index.ts';
import { addMember, call, createTestApp, type Member, sampleTenant, seedMsp, signInCookie } from './helpers/app.ts';

/** The Users page's API (roles, disable, remove, invite links) and a tenant's enable/disable. */

let t: Awaited<ReturnType<typeof createTestApp>>;
let owner: Member;
beforeAll(async () => {
  t = await createTestApp();
  owner = await seedMsp(t.database, 'owner');
});
afterAll(() => t.drop());

const patch = (who: Member, id: string, body: unknown) => call(t.app, 'PATCH', `/api/v1/users/${id}`, { token: who.token, body });
const message = async (res: Response) => ((await res.json()) as { error: { message: string } }).error.message;

describe('users', () => {
  test('an admin changes a role up to their own, never an owner', async () => {
    const admin = await addMember(t.database, owner.mspId, 'admin');
    const tech = await addMember(t.database, owner.mspId, 'technician');
    const res = await patch(admin, tech.userId, { role: 'read_only' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: tech.userId, role: 'read_only', status: 'active', mfaEnabled: false, microsoftLinked: false });
    expect((await patch(admin, tech.userId, { role: 'owner' })).status).toBe(403);
    expect((await patch(admin, owner.userId, { role: 'admin' })).status).toBe(403);
    const [audit] = await t.database.db.select({ details: auditLog.details }).from(auditLog).where(eq(auditLog.action, 'user.update'));
    expect(audit?.details).toMatchObject({ from: { role: 'technician' }, to: { role: 'read_only' } });
  });

  test('the last owner can be neither demoted, disabled nor removed; with a second owner they can', async () => {
    const own = await seedMsp(t.database, 'owner');
    const res = await patch(own, own.userId, { role: 'admin' });
    expect(res.status).toBe(409);
    expect(await message(res)).toMatch(/only owner/);
    const second = await addMember(t.database, own.mspId, 'owner');
    expect((await patch(second, own.userId, { role: 'admin' })).status).toBe(200);
    // Now `second` is the only owner; the demoted user's API token acts as an admin from now on.
    expect((await call(t.app, 'DELETE', `/api/v1/users/${second.userId}`, { token: own.token })).status).toBe(403);
    expect((await call(t.app, 'POST', `/api/v1/users/${second.userId}/mfa/reset`, { token: own.token })).status).toBe(403);
    expect((await patch(second, second.userId, { role: 'technician' })).status).toBe(409);
  });

  test('nobody disables or removes themselves', async () => {
    const admin = await addMember(t.database, owner.mspId, 'admin');
    expect(await message(await patch(admin, admin.userId, { status: 'disabled' }))).toMatch(/cannot disable your own account/);
    expect((await call(t.app, 'DELETE', `/api/v1/users/${admin.userId}`, { token: admin.token })).status).toBe(409);
  });

  test("disabling ends the user's sessions and tokens; re-enabling lets them back", async () => {
    const tech = await addMember(t.database, owner.mspId, 'technician');
    const session = await signInCookie(t.app, tech);
    expect((await patch(owner, tech.userId, { status: 'disabled' })).status).toBe(200);
    expect((await call(t.app, 'GET', '/api/v1/auth/session', { cookie: session.cookie })).status).toBe(401);
    expect((await call(t.app, 'GET', '/api/v1/tenants', { token: tech.token })).status).toBe(401);
    expect((await call(t.app, 'POST', '/api/v1/auth/sign-in', { body: { email: tech.email, password: tech.password } })).status).toBe(401);
    expect(await (await patch(owner, tech.userId, { status: 'active' })).json()).toMatchObject({ status: 'active' });
    expect((await call(t.app, 'POST', '/api/v1/auth/sign-in', { body: { email: tech.email, password: tech.password } })).status).toBe(200);
  });

  test('removing a user deletes them; the audit log keeps who they were', async () => {
    const tech = await addMember(t.database, owner.mspId, 'technician');
    expect((await call(t.app, 'DELETE', `/api/v1/users/${tech.userId}`, { token: owner.token })).status).toBe(204);
    const list = (await (await call(t.app, 'GET', '/api/v1/users', { token: owner.token })).json()) as { items: { id: string }[] };
    expect(list.items.map((u) => u.id)).not.toContain(tech.userId);
    expect((await call(t.app, 'GET', '/api/v1/tenants', { token: tech.token })).status).toBe(401);
    const [audit] = await t.database.db.select({ details: auditLog.details }).from(auditLog).where(eq(auditLog.action, 'user.remove'));
    expect(audit?.details).toMatchObject({ email: tech.email, role: 'technician' });
  });

  test('a new invite link replaces a lost one, until the invitation is accepted', async () => {
    const invited = await call(t.app, 'POST', '/api/v1/users', {
      token: owner.token,
      body: { email: 'New.Tech@Northwind.example', name: 'New Tech', role: 'technician' },
    });
    expect(invited.status).toBe(201);
    const { user, setupUrl } = (await invited.json()) as { user: { id: string; email: string; status: string }; setupUrl: string };
    expect(user).toMatchObject({ email: 'new.tech@northwind.example', status: 'invited' });
    const again = await call(t.app, 'POST', `/api/v1/users/${user.id}/invite-link`, { token: owner.token });
    expect(again.status).toBe(201);
    const { setupUrl: second } = (await again.json()) as { setupUrl: string };
    expect(second).not.toBe(setupUrl);
    const token = new URL(second).pathname.split('/').pop()!;
    const accepted = await call(t.app, 'POST', `/api/v1/setup/${token}`, { body: { name: 'New Tech', password: 'a long enough password' } });
    expect(accepted.status).toBe(200);
    expect(await message(await call(t.app, 'POST', `/api/v1/users/${user.id}/invite-link`, { token: owner.token }))).toMatch(/already accepted/);
  });
});

describe('tenant enable/disable', () => {
  test('disabling pauses collection (status disabled), enabling makes it pending again', async () => {
    const created = await call(t.app, 'POST', '/api/v1/tenants', { token: owner.token, body: sampleTenant(7) });
    const { id } = (await created.json()) as { id: string };
    await t.database.db.update(tenant).set({ status: 'active' }).where(eq(tenant.id, id));
    const off = await call(t.app, 'PATCH', `/api/v1/tenants/${id}`, { token: owner.token, body: { enabled: false } });
    expect(await off.json()).toMatchObject({ id, status: 'disabled' });
    const on = await call(t.app, 'PATCH', `/api/v1/tenants/${id}`, { token: owner.token, body: { enabled: true } });
    expect(await on.json()).toMatchObject({ id, status: 'pending' });
    const actions = await t.database.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.targetId, id));
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(['tenant.disable', 'tenant.enable']));
    const tech = await addMember(t.database, owner.mspId, 'technician');
    expect((await call(t.app, 'PATCH', `/api/v1/tenants/${id}`, { token: tech.token, body: { enabled: false } })).status).toBe(403);
  });
});
