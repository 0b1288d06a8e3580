import { afterAll, beforeAll, expect, test } from 'vitest';
import { securityEvent, tenant } from '../db/schema/index.ts';
import { loadConfig } from '../services/config.ts';
import { createLogger } from '../services/log.ts';
import { writeWeeklyDigests } from '../services/notify/digest.ts';
import { startNotify, type Notify } from '../services/notify/index.ts';
import { startSmtpSink, type SmtpSink } from '../services/sim/smtp/index.ts';
import { createTestApp, secrets, seedMsp } from './helpers/app.ts';
import { TEST_SECRET_KEY } from './helpers/database.ts';

/** The weekly digest: per MSP and per tenant, counts by severity, top detections, open events; once per week. */

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
    TW_PUBLIC_URL: 'https://tw.northwind.example',
  });
  notify = await startNotify({ database: t.database, config, log: createLogger(config), secrets });
}, 120_000);
afterAll(async () => {
  await notify?.stop();
  await sink?.stop();
  await t?.drop();
});

test('one digest per MSP and per tenant with events, escaped, never twice for a week', async () => {
  const owner = await seedMsp(t.database, 'owner', 'Northwind IT');
  const [ten] = await t.database.db
    .insert(tenant)
    .values({ mspId: owner.mspId, tenantGuid: crypto.randomUUID(), name: '<b>Contoso</b>', primaryDomain: 'contoso.com', authMode: 'consent' })
    .returning();
  const at = new Date(Date.now() - 86_400_000);
  const event = (detectionId: string, title: string, severity: 'high' | 'medium', dedupKey: string, status: 'open' | 'resolved' = 'open') => ({
    mspId: owner.mspId,
    tenantId: ten!.id,
    detectionId,
    title,
    description: 'd',
    severity,
    status,
    dedupKey,
    firstSeenAt: at,
    lastSeenAt: at,
  });
  await t.database.db
    .insert(securityEvent)
    .values([
      event('M365.Exchange.ExternalForwarding', 'Inbox rule forwards mail outside', 'high', 'a'),
      event('M365.Exchange.ExternalForwarding', 'Inbox rule forwards mail outside', 'high', 'b'),
      event('custom.x', 'Finance <script>', 'medium', 'c', 'resolved'),
    ]);

  expect(await writeWeeklyDigests(t.database.db)).toBe(2);
  expect(await writeWeeklyDigests(t.database.db)).toBe(0);
  const mspMail = await sink.waitFor((m) => m.subject.startsWith('Tenantwatch weekly digest') && m.subject.endsWith(': Northwind IT'));
  const tenantMail = await sink.waitFor((m) => m.subject.endsWith(': <b>Contoso</b>'));
  await notify.sender.idle();
  for (const mail of [mspMail, tenantMail]) {
    expect(mail.envelopeTo).toEqual([owner.email]);
    expect(mail.text).toContain('3 new events');
    expect(mail.text).toContain('2 open now');
    expect(mail.text).toContain('  high: 2');
    expect(mail.text).toContain('  medium: 1');
    expect(mail.text).toContain('2 × Inbox rule forwards mail outside');
    expect(mail.text).toContain('Open the Report: https://tw.northwind.example/');
    expect(mail.html).toContain('Finance &lt;script&gt;: 1');
  }
  expect(tenantMail.html).toContain('&lt;b&gt;Contoso&lt;/b&gt;');
  expect(sink.messages().filter((m) => m.subject.startsWith('Tenantwatch weekly digest'))).toHaveLength(2);
}, 120_000);
