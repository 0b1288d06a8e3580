import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { appUser } from '../../db/schema/index.ts';
import { MAX_FAILED_SIGN_INS, MAX_FAILED_SIGN_INS_PER_ADDRESS } from '../../services/core/auth/sign-in-throttle.ts';
import { call, createTestApp, secrets, seedMsp } from '../helpers/app.ts';

/**
 * Password guessing is throttled per email address and per client address, counted atomically,
 * answering alike for known and unknown emails, and never keeping the owner out for good.
 * Client addresses are given as on Cloudflare (CF-Connecting-IP), which is what the app reads
 * when no socket is present.
 */

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.drop());

let address = 0;
/** A fresh client address per call site, so tests do not share an address's count. */
const newAddress = () => `198.51.100.${++address}`;

const signIn = (email: string, password: string, ip: string, extra: Record<string, unknown> = {}) =>
  call(t.app, 'POST', '/api/v1/auth/sign-in', { body: { email, password, ...extra }, headers: { 'cf-connecting-ip': ip } });

const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe('sign-in throttle', () => {
  test('60 wrong passwords sent at once: no more than ten are checked, the rest answer 429', async () => {
    const member = await seedMsp(t.database);
    // Each guess from its own address, so only the per-email count can stop them.
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => signIn(member.email, `wrong guess ${i}`, `203.0.113.${i + 1}`)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(MAX_FAILED_SIGN_INS);
    expect(statuses.filter((s) => s === 429)).toHaveLength(60 - MAX_FAILED_SIGN_INS);
  }, 120_000);

  test('an unknown email answers exactly like a known one, before and after the limit', async () => {
    const member = await seedMsp(t.database);
    const ip = newAddress();
    const unknown = 'nobody-here@northwind.example';
    for (let i = 0; i < MAX_FAILED_SIGN_INS; i++) {
      const [known, nobody] = [await signIn(member.email, `wrong ${i}`, ip), await signIn(unknown, `wrong ${i}`, ip)];
      expect([known.status, nobody.status]).toEqual([401, 401]);
    }
    const known = await signIn(member.email, 'wrong again', ip);
    const nobody = await signIn(unknown, 'wrong again', ip);
    expect([known.status, nobody.status]).toEqual([429, 429]);
    expect((await errorOf(known)).message).toBe((await errorOf(nobody)).message);
  }, 120_000);

  test('guesses from elsewhere do not lock the owner out where they usually sign in', async () => {
    const member = await seedMsp(t.database);
    const office = newAddress();
    expect((await signIn(member.email, member.password, office)).status).toBe(200);
    for (let i = 0; i <= MAX_FAILED_SIGN_INS; i++) await signIn(member.email, `guess ${i}`, newAddress());
    // From an address never used before, even the right password waits.
    const stranger = await signIn(member.email, member.password, newAddress());
    expect(stranger.status).toBe(429);
    expect(Number(stranger.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(stranger.headers.get('retry-after'))).toBeLessThanOrEqual(900);
    expect((await signIn(member.email, member.password, office)).status).toBe(200);
  }, 120_000);

  test('with two-step sign-in, the right password still reaches the code step from anywhere', async () => {
    const member = await seedMsp(t.database);
    await t.database.db
      .update(appUser)
      .set({ totpSecretEnc: secrets.seal('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'), totpEnabledAt: new Date() })
      .where(eq(appUser.id, member.userId));
    for (let i = 0; i <= MAX_FAILED_SIGN_INS; i++) await signIn(member.email, `guess ${i}`, newAddress());
    expect((await signIn(member.email, 'another guess', newAddress())).status).toBe(429);
    const res = await signIn(member.email, member.password, newAddress());
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ mfaRequired: true });
  }, 120_000);

  test('one address guessing across many emails is refused for every email, known or not', async () => {
    const member = await seedMsp(t.database);
    const ip = newAddress();
    for (let i = 0; i < MAX_FAILED_SIGN_INS_PER_ADDRESS; i++) {
      expect((await signIn(`someone${i}@northwind.example`, 'a guess', ip)).status).toBe(401);
    }
    expect((await signIn('yet-another@northwind.example', 'a guess', ip)).status).toBe(429);
    expect((await signIn(member.email, member.password, ip)).status).toBe(429);
    // Elsewhere the member is not affected.
    expect((await signIn(member.email, member.password, newAddress())).status).toBe(200);
  }, 120_000);
});
