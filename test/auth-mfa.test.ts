import { and, eq } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { appUser, auditLog, recoveryCode } from '../db/schema/index.ts';
import { MAX_FAILED_SIGN_INS } from '../services/core/auth/sign-in.ts';
import { addMember, call, createTestApp, type Member, seedMsp, signInCookie } from './helpers/app.ts';

/**
 * Two-step sign-in over the API: enrolment, the code step after the password, recovery codes,
 * replayed and wrong codes, throttling, turning it off, and an admin's reset.
 */

let t: Awaited<ReturnType<typeof createTestApp>>;
let owner: Member;
beforeAll(async () => {
  t = await createTestApp();
  owner = await seedMsp(t.database, 'owner');
});
afterAll(() => t.drop());

const totp = (secret: string) => new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
/** The code of the step before or after now: still accepted (±1 step), but not the same as now's. */
const codeAt = (secret: string, stepOffset: number) => totp(secret).generate({ timestamp: Date.now() + stepOffset * 30_000 });

const cookieOf = (res: Response, name: string) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith(`${name}=`)) ?? '';

/** Turns TOTP on for a member through the API; returns the secret and the recovery codes. */
async function enrol(member: Member) {
  const session = await signInCookie(t.app, member);
  const start = await call(t.app, 'POST', '/api/v1/auth/mfa/totp/start', session);
  expect(start.status).toBe(200);
  const { secret, uri } = (await start.json()) as { secret: string; uri: string };
  expect(uri).toMatch(/^otpauth:\/\/totp\/Tenantwatch:/);
  expect(new URL(uri).searchParams.get('secret')).toBe(secret);
  // Not in force before it is confirmed.
  expect(((await (await call(t.app, 'GET', '/api/v1/auth/mfa', session)).json()) as { totpEnabled: boolean }).totpEnabled).toBe(false);
  const confirm = await call(t.app, 'POST', '/api/v1/auth/mfa/totp/confirm', { ...session, body: { code: codeAt(secret, -1) } });
  expect(confirm.status, await confirm.clone().text()).toBe(200);
  const { recoveryCodes } = (await confirm.json()) as { recoveryCodes: string[] };
  return { secret, recoveryCodes, session };
}

/** The password step for a member with TOTP: answers the pending sign-in cookie. */
async function passwordStep(member: Member): Promise<string> {
  const res = await call(t.app, 'POST', '/api/v1/auth/sign-in', { body: { email: member.email, password: member.password } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ mfaRequired: true, methods: ['totp', 'recovery_code'] });
  // No session yet: only the pending sign-in.
  expect(cookieOf(res, 'tw_session')).toBe('');
  const pending = cookieOf(res, 'tw_pending_sign_in');
  expect(pending).not.toBe('');
  return pending;
}

const codeStep = (pending: string, code: string) => call(t.app, 'POST', '/api/v1/auth/sign-in/code', { cookie: pending, body: { code } });

describe('two-step sign-in', () => {
  test('enrolment stores the secret sealed and ten hashed recovery codes', async () => {
    const member = await addMember(t.database, owner.mspId, 'technician');
    const { secret, recoveryCodes, session } = await enrol(member);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    const [row] = await t.database.db.select().from(appUser).where(eq(appUser.id, member.userId));
    expect(row!.totpSecretEnc).toMatch(/^v1\./);
    expect(row!.totpSecretEnc).not.toContain(secret);
    const stored = await t.database.db.select().from(recoveryCode).where(eq(recoveryCode.userId, member.userId));
    expect(stored).toHaveLength(10);
    expect(stored.some((r) => recoveryCodes.some((c) => r.codeHash.includes(c.replace('-', ''))))).toBe(false);
    expect(stored.every((r) => /^[A-Za-z0-9_-]{43}$/.test(r.codeHash))).toBe(true);
    const status = await call(t.app, 'GET', '/api/v1/auth/mfa', session);
    expect(await status.json()).toMatchObject({ totpEnabled: true, recoveryCodesLeft: 10 });
    // Enrolling again while on is refused.
    expect((await call(t.app, 'POST', '/api/v1/auth/mfa/totp/start', session)).status).toBe(409);
  });

  test('a wrong code at confirmation leaves it off', async () => {
    const member = await addMember(t.database, owner.mspId, 'technician');
    const session = await signInCookie(t.app, member);
    await call(t.app, 'POST', '/api/v1/auth/mfa/totp/start', session);
    const res = await call(t.app, 'POST', '/api/v1/auth/mfa/totp/confirm', { ...session, body: { code: '000000' } });
    expect(res.status).toBe(400);
    expect(await (await call(t.app, 'GET', '/api/v1/auth/mfa', session)).json()).toMatchObject({ totpEnabled: false });
  });

  test('password then code signs in; the same code is refused the second time', async () => {
    const member = await addMember(t.database, owner.mspId, 'admin');
    const { secret } = await enrol(member);
    const code = codeAt(secret, 0);
    const pending = await passwordStep(member);
    const ok = await codeStep(pending, code);
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect(await ok.json()).toMatchObject({ user: { email: member.email } });
    expect(cookieOf(ok, 'tw_session')).not.toBe('');

    // The pending sign-in is spent.
    expect((await codeStep(pending, codeAt(secret, 1))).status).toBe(401);
    // A new password step, the same (already used) code: refused as a replay.
    const again = await passwordStep(member);
    const replay = await codeStep(again, code);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { message: string } }).error.message).toMatch(/That code is not right/);
    // An earlier code than the last one used is refused too.
    expect((await codeStep(again, codeAt(secret, -1))).status).toBe(401);
    // The next step's code works.
    expect((await codeStep(again, codeAt(secret, 1))).status).toBe(200);

    const actions = await t.database.db
      .select({ action: auditLog.action, details: auditLog.details })
      .from(auditLog)
      .where(eq(auditLog.actorId, member.userId));
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(['auth.mfa_enabled', 'auth.mfa_failed', 'auth.sign_in']));
    expect(actions.find((a) => a.action === 'auth.sign_in' && (a.details as { secondFactor?: string } | null)?.secondFactor === 'totp')).toBeDefined();
  });

  test('a recovery code works once, in any case and spacing', async () => {
    const member = await addMember(t.database, owner.mspId, 'read_only');
    const { recoveryCodes } = await enrol(member);
    const recovery = recoveryCodes[3]!;
    const first = await codeStep(await passwordStep(member), ` ${recovery.toUpperCase()} `);
    expect(first.status, await first.clone().text()).toBe(200);
    const second = await codeStep(await passwordStep(member), recovery);
    expect(second.status).toBe(401);
    const session = await (async () => {
      const res = await codeStep(await passwordStep(member), recoveryCodes[4]!);
      const { csrfToken } = (await res.json()) as { csrfToken: string };
      return { cookie: cookieOf(res, 'tw_session'), csrf: csrfToken };
    })();
    expect(await (await call(t.app, 'GET', '/api/v1/auth/mfa', session)).json()).toMatchObject({ recoveryCodesLeft: 8 });
  });

  test('no pending sign-in, or a made-up one, gets nowhere', async () => {
    expect((await call(t.app, 'POST', '/api/v1/auth/sign-in/code', { body: { code: '123456' } })).status).toBe(401);
    const res = await codeStep('tw_pending_sign_in=made-up-value', '123456');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/expired or was already completed/);
  });

  test('a pending sign-in is dropped after five wrong codes', async () => {
    const member = await addMember(t.database, owner.mspId, 'technician');
    const { secret } = await enrol(member);
    const pending = await passwordStep(member);
    for (let i = 0; i < 5; i++) expect((await codeStep(pending, '000000')).status).toBe(401);
    const late = await codeStep(pending, codeAt(secret, 1));
    expect(((await late.json()) as { error: { message: string } }).error.message).toMatch(/expired or was already completed/);
  });

  test('wrong codes count against the account like wrong passwords: throttled with 429', async () => {
    const member = await addMember(t.database, owner.mspId, 'technician');
    await enrol(member);
    let failures = 0;
    while (failures < MAX_FAILED_SIGN_INS) {
      const pending = await passwordStep(member);
      for (let i = 0; i < 5 && failures < MAX_FAILED_SIGN_INS; i++, failures++) expect((await codeStep(pending, '111111')).status).toBe(401);
    }
    // Even the right password is now refused, so no new pending sign-in can be had.
    const res = await call(t.app, 'POST', '/api/v1/auth/sign-in', { body: { email: member.email, password: member.password } });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('900');
    const failed = await t.database.db
      .select({ id: auditLog.id })
      .from(auditLog)
      .where(and(eq(auditLog.actorId, member.userId), eq(auditLog.action, 'auth.mfa_failed')));
    expect(failed).toHaveLength(MAX_FAILED_SIGN_INS);
  });

  test('turning it off needs a current code; an API token cannot manage it', async () => {
    const member = await addMember(t.database, owner.mspId, 'technician');
    const { secret, session } = await enrol(member);
    expect((await call(t.app, 'POST', '/api/v1/auth/mfa/totp/disable', { ...session, body: { code: '000000' } })).status).toBe(400);
    expect((await call(t.app, 'POST', '/api/v1/auth/mfa/totp/disable', { token: member.token, body: { code: codeAt(secret, 1) } })).status).toBe(403);
    expect((await call(t.app, 'POST', '/api/v1/auth/mfa/totp/disable', { ...session, body: { code: codeAt(secret, 1) } })).status).toBe(204);
    // Password alone signs in again.
    const res = await call(t.app, 'POST', '/api/v1/auth/sign-in', { body: { email: member.email, password: member.password } });
    expect(await res.json()).toMatchObject({ user: { email: member.email } });
  });

  test('an admin resets a user who lost their authenticator; an admin cannot reset an owner', async () => {
    const member = await addMember(t.database, owner.mspId, 'technician');
    await enrol(member);
    const admin = await addMember(t.database, owner.mspId, 'admin');
    const listed = (await (await call(t.app, 'GET', '/api/v1/users', { token: admin.token })).json()) as { items: { id: string; mfaEnabled: boolean }[] };
    expect(listed.items.find((u) => u.id === member.userId)?.mfaEnabled).toBe(true);
    const reset = await call(t.app, 'POST', `/api/v1/users/${member.userId}/mfa/reset`, { token: admin.token });
    expect(reset.status).toBe(200);
    expect(await reset.json()).toMatchObject({ id: member.userId, mfaEnabled: false });
    expect((await call(t.app, 'POST', `/api/v1/users/${member.userId}/mfa/reset`, { token: admin.token })).status).toBe(409);
    const signIn = await call(t.app, 'POST', '/api/v1/auth/sign-in', { body: { email: member.email, password: member.password } });
    expect(await signIn.json()).toMatchObject({ user: { id: member.userId } });

    const otherOwner = await addMember(t.database, owner.mspId, 'owner');
    await enrol(otherOwner);
    expect((await call(t.app, 'POST', `/api/v1/users/${otherOwner.userId}/mfa/reset`, { token: admin.token })).status).toBe(403);
    expect((await call(t.app, 'POST', `/api/v1/users/${otherOwner.userId}/mfa/reset`, { token: owner.token })).status).toBe(200);
  });
});
