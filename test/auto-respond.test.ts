/**
 * Automated responses end to end: a trigger with a "Run remediation" action, an event stored with
 * its outbox rows in one transaction, the sender handing the row to the responder, the approval
 * policy, the pg-boss workers, the Microsoft 365 simulator over https (the user's state read back
 * over Graph), and the approvers' mail through a real SMTP server (the sink).
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { delivery, eventEntity, remediationRequest, securityEvent } from '../db/schema/index.ts';
import { createNodeApp } from '../services/api/node.ts';
import type { App } from '../services/api/types.ts';
import { createAutoResponder } from '../services/core/remediation/auto-respond.ts';
import { createLogger } from '../services/log.ts';
import { graphClientFor } from '../services/microsoft/graph-client.ts';
import { createTokenProvider, type TokenProvider } from '../services/microsoft/token-provider.ts';
import { startNotify, type Notify } from '../services/notify/index.ts';
import { enqueueForEvents } from '../services/notify/outbox.ts';
import { startM365Simulator, type M365Simulator } from '../services/sim/m365/index.ts';
import { BEC, becScenario, collectorConsent, CONTOSO } from '../services/sim/m365/scenarios/index.ts';
import { simulatorTls } from '../services/sim/m365/tls.ts';
import { startSmtpSink, type SmtpSink } from '../services/sim/smtp/index.ts';
import type { Config } from '../services/config.ts';
import { REMEDIATION_JOBS, remediationQueue } from '../services/worker/remediation-jobs.ts';
import { startQueue, startWorkers, stopQueue, type PgBoss } from '../services/worker/queue.ts';
import { COLLECTOR_APP_ID, collectorApp } from './helpers/m365-sim.ts';
import { addMember, call, secrets, type Member } from './helpers/app.ts';
import { createTestDatabase } from './helpers/database.ts';
import { insertSimTenant, simConfig } from './helpers/sim-tenant.ts';

const ACCOUNT = ['revoke-sessions', 'reset-password', 'block-sign-in', 'require-mfa-reregistration', 'confirm-compromised', 'dismiss-user-risk'];

let handle: Awaited<ReturnType<typeof createTestDatabase>>;
let sim: M365Simulator;
let sink: SmtpSink;
let boss: PgBoss;
let notify: Notify;
let app: App;
let config: Config;
let tokens: TokenProvider;
let tenantRow: Awaited<ReturnType<typeof insertSimTenant>>;
let admin: Member;
let owner: Member;
let tech: Member;
let reader: Member;

const simTenant = () => sim.state.findTenant(CONTOSO.tenantId)!;
/** Users the bec story made no administrator (Entra refuses to block those), by index. */
const ordinary = (n: number) =>
  simTenant().users.filter(
    (u) => u.mail && u.userPrincipalName !== BEC.victimUpn && !simTenant().directory.roleAssignments.some((a) => a.principalId === u.id),
  )[n]!;

/** Stores an event the way detection does: the event, its entities and its outbox rows in one transaction. */
async function storeEvent(name: string, upn: string, severity: 'high' | 'medium' = 'high'): Promise<string> {
  const at = new Date('2024-05-07T10:00:00Z');
  return handle.database.db.transaction(async (tx) => {
    const [event] = await tx
      .insert(securityEvent)
      .values({
        mspId: admin.mspId,
        tenantId: tenantRow.id,
        detectionId: 'M365.Exchange.InboxRuleExternalForwarding',
        title: `${name} <b>forwarding</b>`,
        description: 'A forwarding rule.',
        severity,
        userName: upn,
        dedupKey: `${name}:${upn}`,
        firstSeenAt: at,
        lastSeenAt: at,
      })
      .returning();
    await tx.insert(eventEntity).values({ eventId: event!.id, mspId: admin.mspId, kind: 'user', key: upn, remediations: ACCOUNT, isPrimary: true });
    await enqueueForEvents(tx, { mspId: admin.mspId, eventIds: [event!.id] });
    return event!.id;
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const requestsOf = (eventId: string) => handle.database.db.select().from(remediationRequest).where(eq(remediationRequest.eventId, eventId));
const requestIn = (eventId: string, statuses: string[]) =>
  waitFor(`a request of ${eventId} in ${statuses.join('/')}`, async () => (await requestsOf(eventId)).find((r) => statuses.includes(r.status)));

/** The user's account state as Graph answers it (not the simulator's memory). */
async function accountEnabled(upn: string): Promise<boolean> {
  const answer = await graphClientFor({ config, tokens }, tenantRow).get<{ accountEnabled: boolean }>(
    `/users/${encodeURIComponent(upn)}?$select=accountEnabled`,
  );
  if (!answer.ok) throw new Error(`Graph answered ${JSON.stringify(answer.failure)}`);
  return answer.body.accountEnabled;
}

const setPolicy = async (requireApproval: boolean) => {
  const res = await call(app, 'PUT', '/api/v1/remediation-policies', {
    token: admin.token,
    body: { action: 'block-sign-in', tenantId: tenantRow.id, requireApproval },
  });
  expect(res.status, await res.clone().text()).toBe(200);
};

beforeAll(async () => {
  handle = await createTestDatabase();
  sink = await startSmtpSink();
  const consent = collectorConsent(COLLECTOR_APP_ID);
  sim = await startM365Simulator({
    tls: simulatorTls(),
    clock: { start: '2024-05-08T06:00:00Z', frozen: true },
    apps: [collectorApp()],
    tenants: [
      becScenario({ users: 8, consents: [{ ...consent, roles: { ...consent.roles, graph: [...(consent.roles.graph ?? []), 'User.ReadWrite.All'] } }] }),
    ],
  });
  tenantRow = await insertSimTenant(handle.database.db, CONTOSO.tenantId);
  admin = await addMember(handle.database, tenantRow.mspId, 'admin');
  owner = await addMember(handle.database, tenantRow.mspId, 'owner');
  tech = await addMember(handle.database, tenantRow.mspId, 'technician');
  reader = await addMember(handle.database, tenantRow.mspId, 'read_only');
  config = simConfig(sim.url, {
    TW_LOG_LEVEL: 'silent',
    TW_DEMO: 'off',
    TW_SMTP_HOST: sink.host,
    TW_SMTP_PORT: String(sink.port),
    TW_SMTP_SECURITY: 'none',
    TW_SMTP_FROM: 'Tenantwatch <alerts@northwind.example>',
  });
  const log = createLogger(config);
  tokens = createTokenProvider(config, secrets);
  boss = await startQueue(handle.database, log, { schedule: false });
  await startWorkers(
    boss,
    REMEDIATION_JOBS,
    { database: handle.database, log, config, boss, tokens, secrets },
    { concurrency: 2, pollingIntervalSeconds: 0.5 },
  );
  const queue = remediationQueue(boss);
  notify = await startNotify({ database: handle.database, config, log, secrets, remediate: createAutoResponder({ db: handle.database.db, secrets, queue }) });
  app = createNodeApp({ config, database: handle.database, secrets, log, metrics: new Registry(), tokens, remediationQueue: queue });
  const created = await call(app, 'POST', '/api/v1/triggers', {
    token: admin.token,
    body: {
      name: 'Contain <forwarding>',
      condition: "Event.Severity >= 'high'",
      actions: [{ kind: 'remediation', settings: { action: 'block-sign-in' } }],
    },
  });
  expect(created.status, await created.clone().text()).toBe(201);
}, 180_000);

afterAll(async () => {
  await notify?.stop();
  if (boss) await stopQueue(boss, 5);
  await sim?.close();
  await sink?.stop();
  await handle?.drop();
});

describe('the trigger editor', () => {
  test('refuses an action name that is not in the registry, in plain words', async () => {
    const res = await call(app, 'POST', '/api/v1/triggers', {
      token: admin.token,
      body: { name: 'Bad', condition: "Event.Severity >= 'high'", actions: [{ kind: 'remediation', settings: { action: 'format-c' } }] },
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('choose a remediation action');
  });
});

describe('automated responses', () => {
  test('auto-execute: a matching event blocks the user, asked by the trigger, seen over Graph', async () => {
    await setPolicy(false);
    const upn = ordinary(0).userPrincipalName;
    expect(await accountEnabled(upn)).toBe(true);
    const eventId = await storeEvent('auto', upn);
    const done = await requestIn(eventId, ['succeeded', 'failed']);
    expect(done).toMatchObject({ status: 'succeeded', action: 'block-sign-in', entity: { kind: 'user', key: upn }, requestedBy: null });
    expect(done.origin).toMatchObject({ trigger: { name: 'Contain <forwarding>' } });
    expect(await accountEnabled(upn)).toBe(false);
    // Nobody is asked to approve what ran under the policy.
    await notify.sender.idle();
    expect(sink.messages().filter((m) => m.subject.startsWith('Approval needed') && m.subject.includes(upn))).toHaveLength(0);
  }, 120_000);

  test('require approval: a pending request, one mail to the approvers, approving runs it', async () => {
    await setPolicy(true);
    const upn = ordinary(1).userPrincipalName;
    const eventId = await storeEvent('approve', upn);
    const pending = await requestIn(eventId, ['pending_approval']);
    const mail = await sink.waitFor((m) => m.subject === `Approval needed: Block sign-in for ${upn} (${tenantRow.name})`);
    expect([...mail.envelopeTo].sort()).toEqual([admin.email, owner.email].sort());
    expect(mail.text).toContain('requested by the trigger "Contain <forwarding>"');
    expect(mail.text).toContain(`${config.publicUrl}/approvals`);
    expect(mail.html).toContain('approve &lt;b&gt;forwarding&lt;/b&gt;');
    expect(mail.html).not.toContain('<b>forwarding</b>');
    expect(await accountEnabled(upn)).toBe(true);

    const approved = await call(app, 'POST', `/api/v1/approvals/${pending.id}/approve`, { token: admin.token, body: { comment: 'confirmed by phone' } });
    expect(approved.status, await approved.clone().text()).toBe(200);
    expect(await requestIn(eventId, ['succeeded', 'failed'])).toMatchObject({ status: 'succeeded', decidedBy: admin.userId });
    expect(await accountEnabled(upn)).toBe(false);
    await notify.sender.idle();
    expect(sink.messages().filter((m) => m.subject.startsWith('Approval needed') && m.subject.includes(upn))).toHaveLength(1);
  }, 120_000);

  test('a retried delivery finds the request its first attempt made', async () => {
    await setPolicy(true);
    const upn = ordinary(2).userPrincipalName;
    const eventId = await storeEvent('retry', upn);
    const first = await requestIn(eventId, ['pending_approval']);
    const [row] = await handle.database.db
      .select()
      .from(delivery)
      .where(and(eq(delivery.eventId, eventId), eq(delivery.kind, 'remediation')));
    await waitFor('the first delivery', async () => {
      const [d] = await handle.database.db.select({ status: delivery.status }).from(delivery).where(eq(delivery.id, row!.id));
      return d?.status === 'delivered' ? d : undefined;
    });
    // As if the sender had died before recording the outcome: the row goes out again, same key.
    await handle.database.db
      .update(delivery)
      .set({ status: 'failed', nextAttemptAt: sql`now()`, response: null })
      .where(eq(delivery.id, row!.id));
    notify.sender.wake();
    const again = await waitFor('the re-sent delivery', async () => {
      const [d] = await handle.database.db.select().from(delivery).where(eq(delivery.id, row!.id));
      return d?.status === 'delivered' && d.response ? d : undefined;
    });
    expect(again.response).toContain(first.id);
    expect(await requestsOf(eventId)).toHaveLength(1);
    // The trigger's delivery history names the action and what it did.
    const history = await call(app, 'GET', `/api/v1/deliveries?event=${eventId}`, { token: admin.token });
    expect(history.status).toBe(200);
    const items = ((await history.json()) as { items: { kind: string; destination: string; status: string }[] }).items;
    expect(items.filter((d) => d.kind === 'remediation')).toEqual([expect.objectContaining({ destination: 'block-sign-in', status: 'delivered' })]);
    await notify.sender.idle();
    expect(sink.messages().filter((m) => m.subject.startsWith('Approval needed') && m.subject.includes(upn))).toHaveLength(1);
    // Read-only and technicians are not approvers; nor is anyone mailed twice.
    expect(sink.messages().some((m) => m.envelopeTo.includes(tech.email) || m.envelopeTo.includes(reader.email))).toBe(false);
  }, 120_000);
});

describe('score triggers', () => {
  let scoreTrigger: string;
  const firedFor = async (eventIds: string[]) =>
    handle.database.db
      .select({ kind: delivery.kind, eventId: delivery.eventId })
      .from(delivery)
      .where(and(eq(delivery.triggerId, scoreTrigger), inArray(delivery.eventId, eventIds)));

  beforeAll(async () => {
    const refused = await call(app, 'POST', '/api/v1/triggers', {
      token: admin.token,
      body: { name: 'Risky', kind: 'score', actions: [{ kind: 'ticket', settings: {} }] },
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('choose the band the risk score must enter');
    const created = await call(app, 'POST', '/api/v1/triggers', {
      token: admin.token,
      body: {
        name: 'Risky users',
        kind: 'score',
        scoreBand: 'medium',
        actions: [
          { kind: 'remediation', settings: { action: 'block-sign-in' } },
          { kind: 'email', settings: { to: ['@owners'], subject: '{Score.UserName} is {Score.Band} ({Score.Value})', body: 'Behind it: {Score.Events}' } },
        ],
      },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    scoreTrigger = ((await created.json()) as { id: string }).id;
  });

  test('fires once when the score enters the band, not while it stays, again after it fell; the remediation waits for approval', async () => {
    await setPolicy(true);
    const upn = ordinary(3).userPrincipalName;
    // Medium events weigh 10: the second one lifts the score to 20, into medium.
    const first = await storeEvent('score-1', upn, 'medium');
    expect(await firedFor([first])).toEqual([]);
    const second = await storeEvent('score-2', upn, 'medium');
    expect((await firedFor([second])).map((d) => d.kind).sort()).toEqual(['email', 'remediation']);
    const third = await storeEvent('score-3', upn, 'medium');
    expect(await firedFor([third])).toEqual([]);

    const mail = await sink.waitFor((m) => m.subject === `${upn} is medium (20)`);
    expect(mail.envelopeTo).toEqual([owner.email]);
    expect(mail.text).toContain('score-2 <b>forwarding</b> (medium)');
    const pending = await requestIn(second, ['pending_approval']);
    expect(pending.origin).toMatchObject({ trigger: { id: scoreTrigger, name: 'Risky users' } });
    expect(await accountEnabled(upn)).toBe(true);

    // Two events ignored: back to 10, below the band; the next event that lifts it fires again.
    for (const id of [second, third]) expect((await call(app, 'POST', `/api/v1/events/${id}/ignore`, { token: admin.token, body: {} })).status).toBe(200);
    const fourth = await storeEvent('score-4', upn, 'medium');
    expect((await firedFor([fourth])).map((d) => d.kind).sort()).toEqual(['email', 'remediation']);
    await sink.waitFor((m) => m.subject === `${upn} is medium (20)` && m.text.includes('score-4'));

    const approved = await call(app, 'POST', `/api/v1/approvals/${pending.id}/approve`, { token: admin.token, body: {} });
    expect(approved.status, await approved.clone().text()).toBe(200);
    expect(await requestIn(second, ['succeeded', 'failed'])).toMatchObject({ status: 'succeeded' });
    expect(await accountEnabled(upn)).toBe(false);
  }, 120_000);

  test('two transactions storing events for one user at once: one crossing, one firing', async () => {
    const upn = ordinary(4).userPrincipalName;
    const first = await storeEvent('race-0', upn, 'medium');
    const [a, b] = await Promise.all([storeEvent('race-a', upn, 'medium'), storeEvent('race-b', upn, 'medium')]);
    expect((await firedFor([first, a!, b!])).filter((d) => d.kind === 'email')).toHaveLength(1);
  }, 120_000);
});
