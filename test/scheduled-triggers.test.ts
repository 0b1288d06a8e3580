/**
 * Scheduled triggers: the cron expression checked when saved, one run per due time with two
 * workers racing, one run after downtime for all the due times missed, and the report of the
 * events since the last run (the trigger's condition and tenant scope) mailed to a real SMTP server.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { delivery, securityEvent, tenant, trigger } from '../db/schema/index.ts';
import { loadConfig } from '../services/config.ts';
import { createLogger } from '../services/log.ts';
import { startNotify, type Notify } from '../services/notify/index.ts';
import { runDueScheduledTriggers } from '../services/notify/scheduled-triggers.ts';
import { startSmtpSink, type SmtpSink } from '../services/sim/smtp/index.ts';
import { call, createTestApp, secrets, seedMsp, type Member } from './helpers/app.ts';
import { TEST_SECRET_KEY } from './helpers/database.ts';

let t: Awaited<ReturnType<typeof createTestApp>>;
let sink: SmtpSink;
let notify: Notify;
let owner: Member;
let contoso: string;
let fabrikam: string;

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
  owner = await seedMsp(t.database, 'owner', 'Northwind IT');
  const tenants = await t.database.db
    .insert(tenant)
    .values(
      ['Contoso', 'Fabrikam'].map((name) => ({
        mspId: owner.mspId,
        tenantGuid: crypto.randomUUID(),
        name,
        primaryDomain: `${name.toLowerCase()}.com`,
        authMode: 'consent' as const,
      })),
    )
    .returning();
  [contoso, fabrikam] = [tenants[0]!.id, tenants[1]!.id];
}, 120_000);
afterAll(async () => {
  await notify?.stop();
  await sink?.stop();
  await t?.drop();
});

const create = (body: Record<string, unknown>) => call(t.app, 'POST', '/api/v1/triggers', { token: owner.token, body });
const email = { kind: 'email', settings: { to: ['@owners'], subject: 'Report', body: 'Report' } };

test('a schedule that is not a cron expression, a time zone that does not exist, a ticket on a schedule: 400 in plain words', async () => {
  const cases: [Record<string, unknown>, string, string][] = [
    [{ cron: '61 7 * * 1' }, 'cron', 'is not a cron expression'],
    [{ cron: '0 7 * *' }, 'cron', 'five fields'],
    [{ cron: null }, 'cron', 'rite a schedule as a cron expression'],
    [{ cron: '0 7 * * 1', timeZone: 'Mars/Olympus' }, 'timeZone', 'is not a time zone'],
    [{ cron: '0 7 * * 1', actions: [{ kind: 'ticket', settings: {} }] }, 'actions.0.kind', 'no event to file a ticket for'],
  ];
  for (const [fields, path, message] of cases) {
    const res = await create({ name: 'Weekly', kind: 'schedule', actions: [email], ...fields });
    expect(res.status, JSON.stringify(fields)).toBe(400);
    const body = (await res.json()) as { error: { message: string; details?: { path: string; message: string }[] } };
    expect(body.error.message).toContain(message);
    expect(body.error.details?.[0]?.path).toBe(path);
  }
  // Changing a saved schedule is checked the same way.
  const ok = await create({ name: 'Weekly', kind: 'schedule', cron: '0 7 * * 1', enabled: false, actions: [email] });
  expect(ok.status, await ok.clone().text()).toBe(201);
  const { id } = (await ok.json()) as { id: string };
  const bad = await call(t.app, 'PUT', `/api/v1/triggers/${id}`, { token: owner.token, body: { cron: 'every monday' } });
  expect(bad.status).toBe(400);
  expect(await call(t.app, 'DELETE', `/api/v1/triggers/${id}`, { token: owner.token })).toHaveProperty('status', 204);
});

test('runs once per due time with two workers racing, once after downtime, and mails the report of its condition and scope', async () => {
  const res = await create({
    name: 'Weekly <high> report',
    kind: 'schedule',
    cron: '0 7 * * 1',
    timeZone: 'Europe/Amsterdam',
    condition: "Event.Severity >= 'high'",
    tenantIds: [contoso],
    actions: [email],
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const view = (await res.json()) as { id: string; kind: string; nextRunAt: string; description: string };
  expect(view.kind).toBe('schedule');
  // Mondays 07:00 in Amsterdam: 06:00 UTC in winter.
  expect(new Date(view.nextRunAt).getUTCDay()).toBe(1);
  expect(new Date(view.nextRunAt).toISOString().slice(11, 16)).toBe('06:00');

  const due = new Date(view.nextRunAt);
  const at = new Date(due.getTime() - 86_400_000);
  const event = (tenantId: string, severity: 'high' | 'medium', key: string) => ({
    mspId: owner.mspId,
    tenantId,
    detectionId: 'M365.Exchange.ExternalForwarding',
    title: 'Inbox rule forwards mail outside',
    description: 'd',
    severity,
    dedupKey: key,
    firstSeenAt: at,
    lastSeenAt: at,
    createdAt: at,
  });
  await t.database.db
    .insert(securityEvent)
    .values([event(contoso, 'high', 'a'), event(contoso, 'high', 'b'), event(contoso, 'medium', 'c'), event(fabrikam, 'high', 'd')]);

  expect(await runDueScheduledTriggers(t.database.db, new Date(due.getTime() - 1000))).toBe(0);
  // Two workers at the due time: one of them runs it.
  const ran = await Promise.all([runDueScheduledTriggers(t.database.db, due), runDueScheduledTriggers(t.database.db, due)]);
  expect(ran.reduce((a, b) => a + b, 0)).toBe(1);
  expect(await runDueScheduledTriggers(t.database.db, due)).toBe(0);
  const rows = await t.database.db.select().from(delivery).where(eq(delivery.triggerId, view.id));
  expect(rows).toHaveLength(1);

  const mail = await sink.waitFor((m) => m.subject === 'Tenantwatch report: Weekly <high> report');
  expect(mail.envelopeTo).toEqual([owner.email]);
  // Contoso's two high events: not the medium one (the condition), not Fabrikam's (the scope).
  expect(mail.text).toContain('2 new events');
  expect(mail.text).toContain('  high: 2');
  expect(mail.text).toContain('  medium: 0');
  expect(mail.html).toContain('Weekly &lt;high&gt; report');

  // Three weeks down: the missed Mondays make one run, covering the whole time since the last.
  await notify.sender.idle();
  const [row] = await t.database.db.select().from(trigger).where(eq(trigger.id, view.id));
  expect(row!.lastRunAt).toEqual(due);
  expect(row!.nextRunAt!.getTime()).toBe(due.getTime() + 7 * 86_400_000);
  const later = new Date(due.getTime() + 21 * 86_400_000 + 3_600_000);
  const lastMissed = new Date(due.getTime() + 21 * 86_400_000);
  await t.database.db.insert(securityEvent).values(event(contoso, 'high', 'e'));
  await t.database.db
    .update(securityEvent)
    .set({ createdAt: new Date(due.getTime() + 86_400_000) })
    .where(eq(securityEvent.dedupKey, 'e'));
  expect(await runDueScheduledTriggers(t.database.db, later)).toBe(1);
  expect(await runDueScheduledTriggers(t.database.db, later)).toBe(0);
  const [after] = await t.database.db.select().from(trigger).where(eq(trigger.id, view.id));
  expect(after!.lastRunAt).toEqual(lastMissed);
  expect(after!.nextRunAt!.getTime()).toBe(lastMissed.getTime() + 7 * 86_400_000);
  expect(await t.database.db.select().from(delivery).where(eq(delivery.triggerId, view.id))).toHaveLength(2);
  await notify.sender.idle();
  const reports = sink.messages().filter((m) => m.subject === 'Tenantwatch report: Weekly <high> report');
  expect(reports).toHaveLength(2);
  const second = reports.find((m) => m.text.includes(`to ${lastMissed.toISOString().slice(0, 16).replace('T', ' ')} UTC`));
  expect(second?.text).toContain(': 1 new event in');

  // Send test: the report of the time since the last run, now, marked as a test; the schedule stays.
  const tested = await call(t.app, 'POST', `/api/v1/triggers/${view.id}/test`, { token: owner.token });
  expect(tested.status, await tested.clone().text()).toBe(202);
  expect(((await tested.json()) as { deliveryIds: string[] }).deliveryIds).toHaveLength(1);
  await sink.waitFor((m) => m.subject === 'Test: Tenantwatch report: Weekly <high> report');
  const [unmoved] = await t.database.db.select().from(trigger).where(eq(trigger.id, view.id));
  expect(unmoved!.nextRunAt).toEqual(after!.nextRunAt);
}, 120_000);
