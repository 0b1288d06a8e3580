import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditLog } from '../db/schema/index.ts';
import { eq } from 'drizzle-orm';
import { loadConfig } from '../services/config.ts';
import { createLogger } from '../services/log.ts';
import { ensureDefaultTriggers } from '../services/notify/defaults.ts';
import { startNotify, type Notify } from '../services/notify/index.ts';
import { startSmtpSink, type SmtpSink } from '../services/sim/smtp/index.ts';
import { addMember, call, createTestApp, secrets, seedMsp, type Member } from './helpers/app.ts';
import { TEST_SECRET_KEY } from './helpers/database.ts';

/** The triggers API: create, read, change, clone, delete, Send test, and the delivery history. */

let t: Awaited<ReturnType<typeof createTestApp>>;
let sink: SmtpSink;
let notify: Notify;
let owner: Member;
let tech: Member;

beforeAll(async () => {
  sink = await startSmtpSink();
  t = await createTestApp({}, { outbox: sink });
  const config = loadConfig({
    TW_SECRET_KEY: TEST_SECRET_KEY,
    TW_LOG_LEVEL: 'silent',
    TW_DEMO: 'off',
    TW_SMTP_HOST: sink.host,
    TW_SMTP_PORT: String(sink.port),
    TW_SMTP_SECURITY: 'none',
  });
  owner = await seedMsp(t.database, 'owner');
  tech = await addMember(t.database, owner.mspId, 'technician');
  await ensureDefaultTriggers(t.database.db, owner.mspId);
  notify = await startNotify({ database: t.database, config, log: createLogger(config), secrets });
}, 120_000);
afterAll(async () => {
  await notify?.stop();
  await sink?.stop();
  await t?.drop();
});

type Trigger = {
  id: string;
  name: string;
  enabled: boolean;
  builtinKey: string | null;
  condition: string;
  actions: { kind: string; settings: Record<string, unknown> }[];
  deliveries: { delivered: number; dead: number };
};

const emailAction = {
  kind: 'email',
  settings: { to: ['@owners', 'soc@northwind.example'], subject: 'High: {Event.Title}', html: true, body: '<p>{Event.Description}</p>' },
};

describe('triggers API', () => {
  test('the MSP starts with the default triggers: security ones on, successful sign-in and detections off', async () => {
    const res = await call(t.app, 'GET', '/api/v1/triggers', { token: tech.token });
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: Trigger[] };
    const byKey = new Map(items.map((i) => [i.builtinKey, i]));
    expect(byKey.get('security.locked-out')).toMatchObject({
      enabled: true,
      condition: "Event.EventType = 'LoginAttempt' AND Event.OperationResult = 'LockedOut'",
    });
    expect(byKey.get('security.password-changed')?.enabled).toBe(true);
    expect(byKey.get('security.sign-in-success')?.enabled).toBe(false);
    expect(byKey.get('detection.high-or-critical')?.enabled).toBe(false);
    expect(byKey.get('security.locked-out')?.actions[0]).toMatchObject({ kind: 'email', settings: { to: ['@owners'] } });
  });

  test('create, change, clone, Send test, history, delete', async () => {
    const created = await call(t.app, 'POST', '/api/v1/triggers', {
      token: owner.token,
      body: { name: 'High severity', condition: "Event.Severity >= 'high'", actions: [emailAction] },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const trigger = (await created.json()) as Trigger;
    expect(trigger).toMatchObject({ name: 'High severity', enabled: true, actions: [emailAction] });

    const changed = await call(t.app, 'PUT', `/api/v1/triggers/${trigger.id}`, { token: owner.token, body: { enabled: false, name: 'High or critical' } });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ enabled: false, name: 'High or critical', condition: "Event.Severity >= 'high'" });

    const clone = await call(t.app, 'POST', `/api/v1/triggers/${trigger.id}/clone`, { token: owner.token });
    expect(clone.status).toBe(201);
    expect(await clone.json()).toMatchObject({ name: 'Copy of High or critical', enabled: false, actions: [emailAction] });

    // No event matches yet: the test message is filled with example values and still goes out.
    const sent = await call(t.app, 'POST', `/api/v1/triggers/${trigger.id}/test`, { token: owner.token });
    expect(sent.status).toBe(202);
    const { deliveryIds } = (await sent.json()) as { deliveryIds: string[] };
    expect(deliveryIds).toHaveLength(1);
    const mail = await sink.waitFor((m) => m.subject === 'High: Test message from Tenantwatch');
    expect(mail.envelopeTo.sort()).toEqual([owner.email, 'soc@northwind.example'].sort());
    expect(mail.html).toContain('<p>This is a test of the trigger; no event caused it.</p>');
    expect(mail.text).toContain('This is a test of the trigger');
    await notify.sender.idle();

    const history = await call(t.app, 'GET', `/api/v1/deliveries?trigger=${trigger.id}`, { token: tech.token });
    expect(history.status).toBe(200);
    expect(((await history.json()) as { items: unknown[] }).items).toEqual([
      expect.objectContaining({ id: deliveryIds[0], status: 'delivered', isTest: true, kind: 'email', attempts: 1 }),
    ]);

    // The Outbox shows the message to an admin of the MSP, with both parts.
    const outbox = (await (await call(t.app, 'GET', '/api/v1/outbox', { token: owner.token })).json()) as {
      enabled: boolean;
      items: { id: string; subject: string }[];
    };
    expect(outbox.enabled).toBe(true);
    const listed = outbox.items.find((m) => m.subject === mail.subject)!;
    const detail = (await (await call(t.app, 'GET', `/api/v1/outbox/${listed.id}`, { token: owner.token })).json()) as { html: string; text: string };
    expect(detail.html).toContain('This is a test of the trigger');
    // Another MSP does not see it.
    const other = await seedMsp(t.database, 'owner');
    expect(((await (await call(t.app, 'GET', '/api/v1/outbox', { token: other.token })).json()) as { items: unknown[] }).items).toEqual([]);

    expect((await call(t.app, 'DELETE', `/api/v1/triggers/${trigger.id}`, { token: owner.token })).status).toBe(204);
    expect((await call(t.app, 'GET', `/api/v1/triggers/${trigger.id}`, { token: owner.token })).status).toBe(404);
    const audit = await t.database.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.mspId, owner.mspId));
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['trigger.create', 'trigger.update', 'trigger.clone', 'trigger.test', 'trigger.delete']));
  }, 120_000);

  test('a condition with an error answers 400 with its position', async () => {
    const res = await call(t.app, 'POST', '/api/v1/triggers', {
      token: owner.token,
      body: { name: 'Bad', condition: "Event.Severty = 'high'", actions: [emailAction] },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; details: { path: string; suggestion?: string; line?: number }[] } };
    expect(body.error.message).toContain('Event.Severity');
    expect(body.error.details[0]).toMatchObject({ path: 'condition', suggestion: 'Event.Severity' });
  });

  test('email settings are checked: recipients, no line breaks in From', async () => {
    const res = await call(t.app, 'POST', '/api/v1/triggers', {
      token: owner.token,
      body: {
        name: 'Bad mail',
        condition: "Event.Severity >= 'high'",
        actions: [{ kind: 'email', settings: { to: ['not an address'], from: 'a@b.example\r\nBcc: x@evil.example', subject: 's', body: 'b' } }],
      },
    });
    expect(res.status).toBe(400);
    const paths = ((await res.json()) as { error: { details: { path: string }[] } }).error.details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['actions.0.settings.to.0', 'actions.0.settings.from']));
    const placeholder = await call(t.app, 'POST', '/api/v1/triggers', {
      token: owner.token,
      body: {
        name: 'Bad placeholder',
        condition: "Event.Severity >= 'high'",
        actions: [{ kind: 'email', settings: { to: ['@owners'], subject: 'About {Event.Titel}', body: 'b' } }],
      },
    });
    expect(placeholder.status).toBe(400);
    expect(((await placeholder.json()) as { error: { details: { path: string; message: string }[] } }).error.details[0]).toMatchObject({
      path: 'actions.0.settings.subject',
      message: expect.stringContaining('the subject'),
    });
  });

  test("a web request's signing secret is sealed: never shown, kept when an edit leaves it out", async () => {
    const hook = { kind: 'webhook', settings: { url: 'https://siem.northwind.example/hook', secret: 'whsec-0123456789abcdef' } };
    const missing = await call(t.app, 'POST', '/api/v1/triggers', {
      token: owner.token,
      body: { name: 'SIEM', condition: "Event.Severity >= 'high'", actions: [{ kind: 'webhook', settings: { url: hook.settings.url } }] },
    });
    expect(missing.status).toBe(400);
    const created = await call(t.app, 'POST', '/api/v1/triggers', {
      token: owner.token,
      body: { name: 'SIEM', condition: "Event.Severity >= 'high'", actions: [hook] },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const trigger = (await created.json()) as Trigger & { actions: { hasSecret: boolean }[] };
    expect(trigger.actions[0]).toMatchObject({ kind: 'webhook', hasSecret: true });
    expect(JSON.stringify(trigger)).not.toContain('whsec-');
    const edited = await call(t.app, 'PUT', `/api/v1/triggers/${trigger.id}`, {
      token: owner.token,
      body: { actions: [{ kind: 'webhook', settings: { url: 'https://siem2.northwind.example/hook' } }] },
    });
    expect(edited.status, await edited.clone().text()).toBe(200);
    expect(((await edited.json()) as { actions: { hasSecret: boolean; settings: { url: string } }[] }).actions[0]).toMatchObject({
      hasSecret: true,
      settings: { url: 'https://siem2.northwind.example/hook' },
    });
  });

  test('a technician reads triggers but cannot change them', async () => {
    const res = await call(t.app, 'POST', '/api/v1/triggers', {
      token: tech.token,
      body: { name: 'x', condition: "Event.Severity >= 'high'", actions: [emailAction] },
    });
    expect(res.status).toBe(403);
  });
});
