import { afterAll, beforeAll, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { delivery, trigger, triggerAction } from '../db/schema/index.ts';
import { loadConfig } from '../services/config.ts';
import { createLogger } from '../services/log.ts';
import { startNotify, type Notify } from '../services/notify/index.ts';
import { recordProductEvent } from '../services/notify/outbox.ts';
import { startSmtpSink, type SmtpSink } from '../services/sim/smtp/index.ts';
import { createTestApp, secrets, seedMsp } from './helpers/app.ts';
import { TEST_SECRET_KEY } from './helpers/database.ts';

/** Gathered delivery: the matches of one window go out as one message per action when it ends. */

let t: Awaited<ReturnType<typeof createTestApp>>;
let sink: SmtpSink;
let notify: Notify;

beforeAll(async () => {
  sink = await startSmtpSink();
  t = await createTestApp();
  const config = loadConfig({
    TW_SECRET_KEY: TEST_SECRET_KEY,
    TW_LOG_LEVEL: 'silent',
    TW_DEMO: 'off',
    TW_SMTP_HOST: sink.host,
    TW_SMTP_PORT: String(sink.port),
    TW_SMTP_SECURITY: 'none',
  });
  notify = await startNotify({ database: t.database, config, log: createLogger(config), secrets });
}, 120_000);
afterAll(async () => {
  await notify?.stop();
  await sink?.stop();
  await t?.drop();
});

test('two matches in one window make one mail naming both', async () => {
  const owner = await seedMsp(t.database, 'owner');
  const [tr] = await t.database.db
    .insert(trigger)
    .values({
      mspId: owner.mspId,
      name: 'Failures, gathered',
      condition: "Event.OperationResult = 'PasswordInvalid'",
      deliveryMode: 'gathered',
      gatherMinutes: 60,
    })
    .returning();
  await t.database.db.insert(triggerAction).values({
    triggerId: tr!.id,
    mspId: owner.mspId,
    kind: 'email',
    config: { to: ['soc@northwind.example'], subject: 'Failed sign-ins: {Event.UserName} ({Event.Count})', body: 'From {Event.NetworkAddress}' },
  });
  for (const user of ['a@northwind.example', 'b@northwind.example']) {
    await t.database.db.transaction((tx) =>
      recordProductEvent(tx, {
        mspId: owner.mspId,
        eventType: 'LoginAttempt',
        operationResult: 'PasswordInvalid',
        userId: null,
        userName: user,
        userSource: 'Local',
        networkAddress: '203.0.113.7',
      }),
    );
  }
  const rows = await t.database.db.select().from(delivery).where(eq(delivery.triggerId, tr!.id));
  expect(rows).toHaveLength(2);
  expect(new Set(rows.map((r) => r.gatherKey)).size).toBe(1);
  // Nothing leaves before the window ends.
  await notify.sender.idle();
  expect(sink.messages()).toEqual([]);
  expect(rows.every((r) => r.nextAttemptAt.getTime() > Date.now())).toBe(true);

  // The window ends (moved to now rather than waited for).
  await t.database.db.update(delivery).set({ nextAttemptAt: new Date() }).where(eq(delivery.triggerId, tr!.id));
  notify.sender.wake();
  const mail = await sink.waitFor((m) => m.subject.startsWith('Failed sign-ins'));
  expect(mail.subject).toBe('Failed sign-ins: a@northwind.example, b@northwind.example (2)');
  expect(mail.text).toContain('From 203.0.113.7');
  await notify.sender.idle();
  const after = await t.database.db.select().from(delivery).where(eq(delivery.triggerId, tr!.id));
  expect(after.map((r) => r.status)).toEqual(['delivered', 'delivered']);
  expect(sink.messages()).toHaveLength(1);
}, 120_000);
