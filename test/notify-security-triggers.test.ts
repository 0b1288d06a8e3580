import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { delivery, productEvent } from '../db/schema/index.ts';
import { MAX_FAILED_SIGN_INS } from '../services/core/auth/sign-in.ts';
import { startNotify, type Notify } from '../services/notify/index.ts';
import { ensureDefaultTriggers } from '../services/notify/defaults.ts';
import { startSmtpSink, type SinkMessage, type SmtpSink } from '../services/sim/smtp/index.ts';
import { loadConfig } from '../services/config.ts';
import { createLogger } from '../services/log.ts';
import { call, createTestApp, secrets, seedMsp, signInCookie, type Member, addMember } from './helpers/app.ts';
import { TEST_SECRET_KEY } from './helpers/database.ts';

/**
 * The default security triggers against real sign-in attempts over the API: the product event is
 * written with the audit entry, the outbox row with it, and the sender mails the MSP's owners
 * through a real SMTP server (the sink) with the expected subject and body.
 */

let t: Awaited<ReturnType<typeof createTestApp>>;
let sink: SmtpSink;
let notify: Notify;
let owner: Member;

beforeAll(async () => {
  t = await createTestApp();
  sink = await startSmtpSink();
  const config = loadConfig({
    TW_SECRET_KEY: TEST_SECRET_KEY,
    TW_LOG_LEVEL: 'silent',
    TW_DEMO: 'off',
    TW_SMTP_HOST: sink.host,
    TW_SMTP_PORT: String(sink.port),
    TW_SMTP_SECURITY: 'none',
    TW_SMTP_FROM: 'Tenantwatch <alerts@northwind.example>',
  });
  owner = await seedMsp(t.database, 'owner');
  await ensureDefaultTriggers(t.database.db, owner.mspId);
  notify = await startNotify({ database: t.database, config, log: createLogger(config), secrets });
}, 120_000);
afterAll(async () => {
  await notify?.stop();
  await sink?.stop();
  await t?.drop();
});

const forUser = (subject: string, email: string) => (m: SinkMessage) => m.subject === subject.replace('{user}', email);

function expectSecurityBody(m: SinkMessage, email: string, source = 'Local') {
  expect(m.text).toContain(`User Name: ${email}`);
  expect(m.text).toContain(`User Source: ${source}`);
  expect(m.text).toMatch(/IP address: /);
  expect(m.text).toMatch(/Time: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/);
  expect(m.envelopeTo).toEqual([owner.email]);
  expect(m.messageId).toMatch(/^<[0-9a-f]{40}@northwind\.example>$/);
}

describe('default security triggers', () => {
  test('a wrong password mails the owners once', async () => {
    const member = await addMember(t.database, owner.mspId, 'technician');
    const res = await call(t.app, 'POST', '/api/v1/auth/sign-in', { body: { email: member.email, password: 'not the password' } });
    expect(res.status).toBe(401);
    const m = await sink.waitFor(forUser('Failed sign-in to the Tenantwatch account of {user}: invalid password', member.email));
    expectSecurityBody(m, member.email);
    await notify.sender.idle();
    expect(sink.messages().filter(forUser('Failed sign-in to the Tenantwatch account of {user}: invalid password', member.email))).toHaveLength(1);
  }, 120_000);

  test('a wrong one-time code', async () => {
    const member = await addMember(t.database, owner.mspId, 'admin');
    const session = await signInCookie(t.app, member);
    const start = await call(t.app, 'POST', '/api/v1/auth/mfa/totp/start', session);
    const { secret } = (await start.json()) as { secret: string };
    const code = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate();
    expect((await call(t.app, 'POST', '/api/v1/auth/mfa/totp/confirm', { ...session, body: { code } })).status).toBe(200);
    const step = await call(t.app, 'POST', '/api/v1/auth/sign-in', { body: { email: member.email, password: member.password } });
    const pending = step.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .find((c) => c.startsWith('tw_pending_sign_in='))!;
    const wrong = code === '000000' ? '111111' : '000000';
    expect((await call(t.app, 'POST', '/api/v1/auth/sign-in/code', { cookie: pending, body: { code: wrong } })).status).toBe(401);
    const m = await sink.waitFor(forUser('{user} entered an invalid one-time password for their Tenantwatch account', member.email));
    expectSecurityBody(m, member.email);
    // The successful sign-ins before it mailed nobody: that trigger is off by default.
    expect(sink.messages().some(forUser('{user} successfully logged into their Tenantwatch account', member.email))).toBe(false);
  }, 120_000);

  test('the attempt that locks the account out', async () => {
    const member = await addMember(t.database, owner.mspId, 'read_only');
    for (let i = 0; i <= MAX_FAILED_SIGN_INS; i++) {
      const res = await call(t.app, 'POST', '/api/v1/auth/sign-in', { body: { email: member.email, password: `wrong ${i}` } });
      expect([401, 429]).toContain(res.status);
    }
    const m = await sink.waitFor(forUser("{user}'s Tenantwatch account was locked after repeated failed sign-ins", member.email));
    expectSecurityBody(m, member.email);
    await notify.sender.idle();
    expect(sink.messages().filter(forUser("{user}'s Tenantwatch account was locked after repeated failed sign-ins", member.email))).toHaveLength(1);
    expect(sink.messages().filter(forUser('Failed sign-in to the Tenantwatch account of {user}: invalid password', member.email))).toHaveLength(
      MAX_FAILED_SIGN_INS,
    );
  }, 180_000);

  test('a password change', async () => {
    const member = await addMember(t.database, owner.mspId, 'technician');
    const session = await signInCookie(t.app, member);
    const res = await call(t.app, 'POST', '/api/v1/auth/password', {
      ...session,
      body: { currentPassword: member.password, newPassword: 'a brand new passphrase 42' },
    });
    expect(res.status).toBe(204);
    const m = await sink.waitFor(forUser('{user} changed their Tenantwatch password', member.email));
    expectSecurityBody(m, member.email);
    const [row] = await t.database.db.select().from(productEvent).where(eq(productEvent.userId, member.userId)).orderBy(productEvent.occurredAt);
    expect(row).toMatchObject({ eventType: 'LoginAttempt', operationResult: 'Success' });
    await notify.sender.idle();
    const sent = await t.database.db.select().from(delivery).where(eq(delivery.mspId, owner.mspId));
    expect(sent.every((d) => d.status === 'delivered')).toBe(true);
  }, 120_000);
});
