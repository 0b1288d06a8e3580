import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { appUser, auditLog, msp } from '../../db/schema/index.ts';
import { createMspSignupLink } from '../../services/core/msp/sign-up-msp.ts';
import { call, createTestApp, type Member, sampleTenant, seedMsp } from '../helpers/app.ts';

/**
 * Sign-up of a new MSP, in each TW_SIGNUP mode, over the API: closed refuses, the operator's
 * link works once and only once, open works and is limited per client address. The new MSP has
 * its own owner and none of another MSP's data.
 */

type App = Awaited<ReturnType<typeof createTestApp>>;
const password = 'a long enough passphrase';
let seq = 0;
const newcomer = (over: Record<string, string> = {}) => ({
  mspName: `Fabrikam IT ${++seq}`,
  name: 'Fabrikam Owner',
  email: `owner${seq}@fabrikam.example`,
  password,
  ...over,
});
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

async function appWith(mode: 'closed' | 'invite' | 'open') {
  const t = await createTestApp({ TW_SIGNUP: mode });
  // Sign-up starts once the installation has its first owner.
  const first = await seedMsp(t.database, 'owner', 'Northwind IT');
  return { t, first };
}

/** The session answer and its cookie, after a sign-up. */
async function signedUp(res: Response) {
  expect(res.status, await res.clone().text()).toBe(200);
  const body = (await res.json()) as { user: { id: string; email: string; role: string }; msp: { id: string; name: string } };
  return { ...body, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]! };
}

describe('TW_SIGNUP=closed', () => {
  let t: App;
  beforeAll(async () => ({ t } = await appWith('closed')));
  afterAll(() => t.drop());

  test('refuses the open page, the operator cannot invite, and an earlier link no longer works', async () => {
    expect(await (await call(t.app, 'GET', '/api/v1/signup')).json()).toEqual({ mode: 'closed' });
    const open = await call(t.app, 'POST', '/api/v1/signup', { body: newcomer() });
    expect(open.status).toBe(403);
    expect((await errorOf(open)).message).toMatch(/closed/);

    await expect(createMspSignupLink({ db: t.database.db, mode: 'closed' })).rejects.toThrow(/closed/);
    // A link made while sign-up was by invitation stops working once it is closed.
    const { token } = await createMspSignupLink({ db: t.database.db, mode: 'invite' });
    expect((await call(t.app, 'GET', `/api/v1/signup/${token}`)).status).toBe(404);
    expect((await call(t.app, 'POST', `/api/v1/signup/${token}`, { body: newcomer() })).status).toBe(404);
    expect(await t.database.db.select({ id: msp.id }).from(msp)).toHaveLength(1);
  });
});

describe('TW_SIGNUP=invite', () => {
  let t: App;
  let first: Member;
  beforeAll(async () => ({ t, first } = await appWith('invite')));
  afterAll(() => t.drop());

  test("the operator's link creates a new MSP with its own owner, once and only once", async () => {
    const { token } = await createMspSignupLink({ db: t.database.db, mode: 'invite' }, { mspName: 'Fabrikam IT' });
    expect(await (await call(t.app, 'GET', `/api/v1/signup/${token}`)).json()).toEqual({ mspName: 'Fabrikam IT' });

    const input = newcomer({ mspName: 'Fabrikam IT', email: 'Owner@Fabrikam.example' });
    const session = await signedUp(await call(t.app, 'POST', `/api/v1/signup/${token}`, { body: input }));
    expect(session.user).toMatchObject({ email: 'owner@fabrikam.example', role: 'owner' });
    expect(session.msp.name).toBe('Fabrikam IT');
    expect(session.msp.id).not.toBe(first.mspId);
    const [owner] = await t.database.db.select().from(appUser).where(eq(appUser.id, session.user.id));
    expect(owner).toMatchObject({ mspId: session.msp.id, status: 'active', role: 'owner' });
    const audit = await t.database.db.select({ mspId: auditLog.mspId, details: auditLog.details }).from(auditLog).where(eq(auditLog.action, 'msp.sign_up'));
    expect(audit).toEqual([{ mspId: session.msp.id, details: { via: 'invite', name: 'Fabrikam IT', owner: 'owner@fabrikam.example' } }]);

    // The new owner is signed in to their own, empty MSP.
    const me = await call(t.app, 'GET', '/api/v1/users', { cookie: session.cookie });
    expect(((await me.json()) as { items: { email: string }[] }).items.map((u) => u.email)).toEqual(['owner@fabrikam.example']);

    // Used: never again, not even for another company.
    expect((await call(t.app, 'GET', `/api/v1/signup/${token}`)).status).toBe(404);
    const again = await call(t.app, 'POST', `/api/v1/signup/${token}`, { body: newcomer() });
    expect(again.status).toBe(404);
    expect((await errorOf(again)).message).toMatch(/already used or has expired/);
    expect(await t.database.db.select({ id: msp.id }).from(msp)).toHaveLength(2);
  });

  test('two uses of one link at the same time create one MSP', async () => {
    const { token } = await createMspSignupLink({ db: t.database.db, mode: 'invite' });
    const before = (await t.database.db.select({ id: msp.id }).from(msp)).length;
    const results = await Promise.all([0, 1].map(() => call(t.app, 'POST', `/api/v1/signup/${token}`, { body: newcomer() })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 404]);
    expect(await t.database.db.select({ id: msp.id }).from(msp)).toHaveLength(before + 1);
  });

  test('a refused attempt leaves the link usable and creates no MSP', async () => {
    const { token } = await createMspSignupLink({ db: t.database.db, mode: 'invite' });
    const before = (await t.database.db.select({ id: msp.id }).from(msp)).length;
    const refused = await call(t.app, 'POST', `/api/v1/signup/${token}`, { body: newcomer({ password: 'short' }) });
    expect(refused.status).toBe(400);
    expect(await t.database.db.select({ id: msp.id }).from(msp)).toHaveLength(before);
    await signedUp(await call(t.app, 'POST', `/api/v1/signup/${token}`, { body: newcomer() }));
  });

  test('an email another MSP uses signs up a separate account: nothing tells that the address exists elsewhere', async () => {
    const { token } = await createMspSignupLink({ db: t.database.db, mode: 'invite' });
    const session = await signedUp(await call(t.app, 'POST', `/api/v1/signup/${token}`, { body: newcomer({ email: first.email }) }));
    expect(session.msp.id).not.toBe(first.mspId);
    // The first MSP's account is untouched: its own password still opens it.
    expect((await call(t.app, 'GET', '/api/v1/tenants', { token: first.token })).status).toBe(200);
  });

  test('the open page is refused: sign-up is by invitation', async () => {
    const res = await call(t.app, 'POST', '/api/v1/signup', { body: newcomer() });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).message).toMatch(/invitation/);
  });
});

describe('TW_SIGNUP=open', () => {
  let t: App;
  let first: Member;
  beforeAll(async () => ({ t, first } = await appWith('open')));
  afterAll(() => t.drop());

  test('anyone signs up a new MSP, which sees none of the first MSP and is not seen by it', async () => {
    expect((await call(t.app, 'POST', '/api/v1/tenants', { token: first.token, body: sampleTenant(1) })).status).toBe(201);
    const session = await signedUp(
      await call(t.app, 'POST', '/api/v1/signup', { body: newcomer({ mspName: 'Open Signup IT' }), headers: { 'cf-connecting-ip': '198.51.100.1' } }),
    );
    expect(session.msp.name).toBe('Open Signup IT');
    const items = async (path: string, auth: { cookie?: string; token?: string }) => {
      const body = (await (await call(t.app, 'GET', path, auth)).json()) as { items?: unknown[] } | unknown[];
      return Array.isArray(body) ? body : body.items!;
    };
    expect(await items('/api/v1/tenants', { cookie: session.cookie })).toEqual([]);
    expect(await items('/api/v1/events', { cookie: session.cookie })).toEqual([]);
    expect(((await items('/api/v1/users', { cookie: session.cookie })) as { email: string }[]).map((u) => u.email)).toEqual([session.user.email]);
    expect(((await items('/api/v1/users', { token: first.token })) as { email: string }[]).map((u) => u.email)).toEqual([first.email]);
    expect(await items('/api/v1/tenants', { token: first.token })).toHaveLength(1);
  });

  test('attempts are limited per client address', async () => {
    const from = (ip: string, body = newcomer()) => call(t.app, 'POST', '/api/v1/signup', { body, headers: { 'cf-connecting-ip': ip } });
    // 203.0.113.7 makes the limit's worth of sign-ups, then is refused.
    for (let i = 0; i < 5; i += 1) await signedUp(await from('203.0.113.7'));
    const refused = await from('203.0.113.7');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('3600');
    expect((await errorOf(refused)).message).toMatch(/Too many sign-ups/);
    // Another address is not affected.
    await signedUp(await from('203.0.113.8'));
  });
});
