import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { setupToken } from '../../db/schema/index.ts';
import { call, createTestApp, type Member, seedMsp } from '../helpers/app.ts';

/** One-time links: only the newest works, and a link that cannot be used says why. */

let t: Awaited<ReturnType<typeof createTestApp>>;
let owner: Member;
beforeAll(async () => {
  t = await createTestApp();
  owner = await seedMsp(t.database, 'owner');
});
afterAll(() => t.drop());

const tokenOf = (url: string) => new URL(url).pathname.split('/').pop()!;
const describeLink = async (token: string) => (await call(t.app, 'GET', `/api/v1/setup/${token}`)).json();
const redeem = (token: string, password = 'a long enough password') => call(t.app, 'POST', `/api/v1/setup/${token}`, { body: { name: 'New Tech', password } });

async function invite(email: string) {
  const res = await call(t.app, 'POST', '/api/v1/users', { token: owner.token, body: { email, role: 'technician' } });
  expect(res.status).toBe(201);
  return (await res.json()) as { user: { id: string }; setupUrl: string };
}

describe('setup links', () => {
  test('a reissued invitation revokes the older link: it can neither set the password nor sign in', async () => {
    const { user, setupUrl: first } = await invite('reissued@northwind.example');
    const again = await call(t.app, 'POST', `/api/v1/users/${user.id}/invite-link`, { token: owner.token });
    const second = ((await again.json()) as { setupUrl: string }).setupUrl;
    expect(await describeLink(tokenOf(first))).toEqual({ kind: 'invite', state: 'revoked' });
    const old = await redeem(tokenOf(first));
    expect(old.status).toBe(409);
    expect(old.headers.get('set-cookie')).toBeNull();
    expect(await describeLink(tokenOf(second))).toEqual({ kind: 'invite', state: 'valid', email: 'reissued@northwind.example', mspName: expect.any(String) });
    expect((await redeem(tokenOf(second))).status).toBe(200);
  });

  test('after the account is set up, its link describes itself as used', async () => {
    const { setupUrl } = await invite('used@northwind.example');
    expect((await redeem(tokenOf(setupUrl))).status).toBe(200);
    expect(await describeLink(tokenOf(setupUrl))).toEqual({ kind: 'invite', state: 'used' });
    const again = await redeem(tokenOf(setupUrl), 'an attacker password');
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { message: string } }).error.message).toMatch(/already used/);
  });

  test('an expired link says it has expired; an unknown one is a 404', async () => {
    const { setupUrl } = await invite('late@northwind.example');
    await t.database.db
      .update(setupToken)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(setupToken.kind, 'invite'));
    expect(await describeLink(tokenOf(setupUrl))).toEqual({ kind: 'invite', state: 'expired' });
    expect((await redeem(tokenOf(setupUrl))).status).toBe(409);
    expect((await call(t.app, 'GET', `/api/v1/setup/${'x'.repeat(43)}`)).status).toBe(404);
  });

  test('disabling an invited user revokes their link', async () => {
    const { user, setupUrl } = await invite('disabled@northwind.example');
    expect((await call(t.app, 'PATCH', `/api/v1/users/${user.id}`, { token: owner.token, body: { status: 'disabled' } })).status).toBe(200);
    expect(await describeLink(tokenOf(setupUrl))).toEqual({ kind: 'invite', state: 'revoked' });
    expect((await redeem(tokenOf(setupUrl))).status).toBe(409);
  });
});
