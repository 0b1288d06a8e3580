/**
 * Remediation end to end: the API, the approval policy, the pg-boss workers and the actions
 * against the Microsoft 365 simulator over https. Requests, approvals, rejections, expiry,
 * self-approval, undo, the missing-permission message, a retried job, the role matrix, and a
 * reset password shown once to its requester and never logged.
 */
import { and, eq } from 'drizzle-orm';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditLog, eventEntity, remediationRequest, securityEvent } from '../db/schema/index.ts';
import { createNodeApp } from '../services/api/node.ts';
import type { App } from '../services/api/types.ts';
import { executeRemediation, expireStaleRemediations } from '../services/core/remediation/execute-remediation.ts';
import { createLogger } from '../services/log.ts';
import { createTokenProvider } from '../services/microsoft/token-provider.ts';
import { startM365Simulator, type M365Simulator } from '../services/sim/m365/index.ts';
import { BEC, becScenario, collectorConsent, CONTOSO } from '../services/sim/m365/scenarios/index.ts';
import { COLLECTOR_APP_ID, collectorApp } from './helpers/m365-sim.ts';
import { simulatorTls } from '../services/sim/m365/tls.ts';
import { REMEDIATION_JOBS, remediationQueue } from '../services/worker/remediation-jobs.ts';
import { startQueue, startWorkers, stopQueue, type PgBoss } from '../services/worker/queue.ts';
import { addMember, call, secrets, type Member } from './helpers/app.ts';
import { createTestDatabase } from './helpers/database.ts';
import { insertSimTenant, simConfig } from './helpers/sim-tenant.ts';

const ROLES = [
  'User.ReadWrite.All',
  'User.RevokeSessions.All',
  'UserAuthenticationMethod.ReadWrite.All',
  'IdentityRiskyUser.ReadWrite.All',
  'MailboxSettings.ReadWrite',
];
const ACCOUNT = ['revoke-sessions', 'reset-password', 'block-sign-in', 'require-mfa-reregistration', 'confirm-compromised', 'dismiss-user-risk'];

let handle: Awaited<ReturnType<typeof createTestDatabase>>;
let sim: M365Simulator;
let boss: PgBoss;
let app: App;
let tenantId: string;
let admin: Member;
let admin2: Member;
let tech: Member;
let reader: Member;
const logLines: string[] = [];
const events: Record<string, string> = {};

type View = {
  id: string;
  status: string;
  error: string | null;
  result: Record<string, unknown> | null;
  decidedBy: { name: string; email: string } | null;
  event: { title: string } | null;
  userRisk: { score: number; band: string } | null;
  canUndo: boolean;
  undoneAt: string | null;
  hasTemporaryPassword: boolean;
};

const simTenant = () => sim.state.findTenant(CONTOSO.tenantId)!;
/** Users the bec story made no administrator, by index. */
const ordinary = (n: number) =>
  simTenant().users.filter(
    (u) => u.mail && u.userPrincipalName !== BEC.victimUpn && !simTenant().directory.roleAssignments.some((a) => a.principalId === u.id),
  )[n]!;

async function addEvent(
  name: string,
  upn: string,
  entities: { kind: 'user' | 'inbox_rule' | 'mailbox'; key: string; remediations: string[]; isPrimary?: boolean }[],
  severity: 'high' | 'medium' = 'high',
) {
  const at = new Date('2024-05-07T10:00:00Z');
  const [event] = await handle.database.db
    .insert(securityEvent)
    .values({
      mspId: admin.mspId,
      tenantId,
      detectionId: 'M365.Exchange.InboxRuleExternalForwarding',
      title: `${name} <b>rule</b>`,
      description: 'A forwarding rule.',
      severity,
      userName: upn,
      dedupKey: `${name}:${upn}`,
      firstSeenAt: at,
      lastSeenAt: at,
    })
    .returning();
  for (const e of entities)
    await handle.database.db
      .insert(eventEntity)
      .values({ eventId: event!.id, mspId: admin.mspId, kind: e.kind, key: e.key, remediations: e.remediations, isPrimary: e.isPrimary ?? false });
  events[name] = event!.id;
  return event!.id;
}

const userEvent = (name: string, upn: string) => addEvent(name, upn, [{ kind: 'user', key: upn, remediations: ACCOUNT, isPrimary: true }]);

async function json<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

const request = (who: Member, eventId: string, body: unknown) => call(app, 'POST', `/api/v1/events/${eventId}/remediations`, { token: who.token, body });
const approve = (who: Member, id: string, comment?: string) =>
  call(app, 'POST', `/api/v1/approvals/${id}/approve`, { token: who.token, body: comment ? { comment } : {} });
const reject = (who: Member, id: string, comment?: string) =>
  call(app, 'POST', `/api/v1/approvals/${id}/reject`, { token: who.token, body: comment ? { comment } : {} });
const view = async (id: string) => json<View>(await call(app, 'GET', `/api/v1/actions/${id}`, { token: reader.token }), 200);

/** Waits until the workers have finished the action (no fixed sleep: polls its state). */
async function settled(id: string, timeoutMs = 60_000): Promise<View> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await view(id);
    if (['succeeded', 'failed', 'rejected', 'expired'].includes(v.status)) return v;
    if (Date.now() > deadline) throw new Error(`action ${id} still ${v.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const writesTo = (path: string) => sim.state.requestLog.filter((r) => r.method !== 'GET' && r.path.includes(path));

beforeAll(async () => {
  handle = await createTestDatabase();
  const consent = collectorConsent(COLLECTOR_APP_ID);
  sim = await startM365Simulator({
    tls: simulatorTls(),
    clock: { start: '2024-05-08T06:00:00Z', frozen: true },
    apps: [collectorApp()],
    tenants: [
      becScenario({
        users: 12,
        consents: [{ ...consent, roles: { ...consent.roles, graph: [...(consent.roles.graph ?? []), ...ROLES], exchange: ['Exchange.ManageAsApp'] } }],
      }),
    ],
  });
  const row = await insertSimTenant(handle.database.db, CONTOSO.tenantId);
  tenantId = row.id;
  admin = await addMember(handle.database, row.mspId, 'admin');
  admin2 = await addMember(handle.database, row.mspId, 'owner');
  tech = await addMember(handle.database, row.mspId, 'technician');
  reader = await addMember(handle.database, row.mspId, 'read_only');
  const config = simConfig(sim.url, { TW_LOG_LEVEL: 'debug' });
  const log = createLogger(config, new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) }));
  const tokens = createTokenProvider(config, secrets);
  boss = await startQueue(handle.database, log, { schedule: false });
  await startWorkers(
    boss,
    REMEDIATION_JOBS,
    { database: handle.database, log, config, boss, tokens, secrets },
    { concurrency: 2, pollingIntervalSeconds: 0.5 },
  );
  app = createNodeApp({ config, database: handle.database, secrets, log, metrics: new Registry(), tokens, remediationQueue: remediationQueue(boss) });
}, 120_000);

afterAll(async () => {
  if (boss) await stopQueue(boss, 5);
  await sim?.close();
  await handle?.drop();
});

describe('the role matrix', () => {
  test('read-only cannot request, a technician requests but cannot approve, an admin approves', async () => {
    const eventId = await userEvent('roles', ordinary(0).userPrincipalName);
    expect((await request(reader, eventId, { action: 'block-sign-in' })).status).toBe(403);
    const asked = await json<View>(await request(tech, eventId, { action: 'block-sign-in' }), 201);
    expect(asked.status).toBe('pending_approval');
    expect((await approve(tech, asked.id)).status).toBe(403);
    expect((await reject(reader, asked.id)).status).toBe(403);
    // Asking twice for the same target while the first waits is refused.
    expect((await request(tech, eventId, { action: 'block-sign-in' })).status).toBe(409);
    expect((await json<View>(await reject(admin, asked.id, 'not now'), 200)).status).toBe('rejected');
  });
});

describe('the approval flow', () => {
  test('request, the queue with its context, approve, executed, in the history with the approver', async () => {
    const user = ordinary(1);
    const eventId = await userEvent('approve', user.userPrincipalName);
    const asked = await json<View>(await request(tech, eventId, { action: 'block-sign-in' }), 201);
    expect(asked.status).toBe('pending_approval');

    const queue = await json<{ items: View[] }>(await call(app, 'GET', '/api/v1/approvals?status=pending_approval', { token: admin.token }), 200);
    const pending = queue.items.find((i) => i.id === asked.id)!;
    expect(pending.event?.title).toBe('approve <b>rule</b>');
    expect(pending.userRisk).toEqual({ score: 25, band: 'medium', openEvents: 1 });
    expect(user.accountEnabled).toBe(true);

    expect((await json<View>(await approve(admin, asked.id, 'Confirmed with the customer by phone'), 200)).status).toMatch(/approved|running|succeeded/);
    const done = await settled(asked.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      error: null,
      decidedBy: { email: admin.email },
      canUndo: true,
      result: { accountEnabled: false, status: 204 },
    });
    expect(user.accountEnabled).toBe(false);

    const history = await json<{ items: (View & { decisionNote: string })[] }>(
      await call(app, 'GET', `/api/v1/actions/history?event=${eventId}`, { token: reader.token }),
      200,
    );
    expect(history.items).toMatchObject([{ id: asked.id, status: 'succeeded', decisionNote: 'Confirmed with the customer by phone' }]);
    const audit = await handle.database.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(and(eq(auditLog.mspId, admin.mspId), eq(auditLog.targetId, asked.id)));
    expect(audit.map((a) => a.action).sort()).toEqual(['remediation.approve', 'remediation.request', 'remediation.succeeded']);
  });

  test('the reject path: the action never runs, and cannot be approved afterwards', async () => {
    const user = ordinary(2);
    const eventId = await userEvent('reject', user.userPrincipalName);
    const asked = await json<View>(await request(tech, eventId, { action: 'revoke-sessions' }), 201);
    const rejected = await json<View & { decisionNote: string }>(await reject(admin, asked.id, 'This is the CEO travelling'), 200);
    expect(rejected).toMatchObject({ status: 'rejected', decisionNote: 'This is the CEO travelling', decidedBy: { email: admin.email } });
    expect((await approve(admin2, asked.id)).status).toBe(409);
    expect(writesTo(`/users/${user.id}/revokeSignInSessions`)).toEqual([]);
  });

  test('nobody approves their own request unless the policy says so', async () => {
    const eventId = await userEvent('self', ordinary(3).userPrincipalName);
    const asked = await json<View>(await request(admin, eventId, { action: 'revoke-sessions' }), 201);
    const refused = await approve(admin, asked.id);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('another admin must approve it');
    await json(
      await call(app, 'PUT', '/api/v1/remediation-policies', {
        token: admin2.token,
        body: { action: 'revoke-sessions', requireApproval: true, allowSelfApproval: true },
      }),
      200,
    );
    await json(await approve(admin, asked.id), 200);
    expect((await settled(asked.id)).status).toBe('succeeded');
    expect(ordinary(3).signInSessionsValidFromDateTime).toBe('2024-05-08T06:00:00Z');
  });

  test('a request nobody decides expires', async () => {
    const eventId = await userEvent('expire', ordinary(4).userPrincipalName);
    const asked = await json<View>(await request(tech, eventId, { action: 'reset-password' }), 201);
    expect(await expireStaleRemediations(handle.database.db, new Date(Date.now() + 23 * 3600_000))).toEqual([]);
    expect(await expireStaleRemediations(handle.database.db, new Date(Date.now() + 25 * 3600_000))).toEqual([asked.id]);
    expect((await view(asked.id)).status).toBe('expired');
    expect((await approve(admin, asked.id)).status).toBe(409);
  });
});

describe('policy, undo and failures', () => {
  test('turning approval off for an access-restricting action warns; the action then runs at once', async () => {
    const set = await json<{ warning: string | null; requireApproval: boolean; source: string }>(
      await call(app, 'PUT', '/api/v1/remediation-policies', { token: admin.token, body: { action: 'block-sign-in', tenantId, requireApproval: false } }),
      200,
    );
    expect(set).toMatchObject({ requireApproval: false, source: 'tenant' });
    expect(set.warning).toContain('restricts');
    const policies = await json<{ items: { action: string; warning: string | null }[] }>(
      await call(app, 'GET', `/api/v1/remediation-policies?tenant=${tenantId}`, { token: reader.token }),
      200,
    );
    expect(policies.items.find((p) => p.action === 'block-sign-in')?.warning).toContain('restricts');
    expect(policies.items.find((p) => p.action === 'disable-inbox-rule')?.warning).toBeNull();

    const user = ordinary(5);
    const eventId = await userEvent('auto', user.userPrincipalName);
    const asked = await json<View>(await request(tech, eventId, { action: 'block-sign-in' }), 201);
    expect(asked.status).not.toBe('pending_approval');
    expect((await settled(asked.id)).status).toBe('succeeded');
    expect(user.accountEnabled).toBe(false);

    // Undo restores the state recorded before.
    const undo = await json<View>(await call(app, 'POST', `/api/v1/actions/${asked.id}/undo`, { token: tech.token }), 201);
    expect((await settled(undo.id)).status).toBe('succeeded');
    expect(user.accountEnabled).toBe(true);
    expect((await view(asked.id)).undoneAt).not.toBeNull();
    expect((await call(app, 'POST', `/api/v1/actions/${asked.id}/undo`, { token: tech.token })).status).toBe(409);
  });

  test('Entra refusing to block an administrator is explained in plain words', async () => {
    const eventId = await userEvent('admin-target', BEC.victimUpn);
    const asked = await json<View>(await request(tech, eventId, { action: 'block-sign-in' }), 201);
    const failed = await settled(asked.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('holds the Exchange Administrator role');
    expect(failed.error).toContain('Privileged Authentication Administrator');
  });

  test('a permission the tenant has not granted is named before anything is called', async () => {
    const consent = simTenant().consents.get(COLLECTOR_APP_ID)!;
    const saved = consent.roles.graph;
    consent.roles.graph = (saved ?? []).filter((r) => r !== 'IdentityRiskyUser.ReadWrite.All');
    try {
      const eventId = await userEvent('permission', ordinary(6).userPrincipalName);
      const asked = await json<View>(await request(tech, eventId, { action: 'confirm-compromised' }), 201);
      const failed = await settled(asked.id);
      expect(failed).toMatchObject({ status: 'failed' });
      expect(failed.error).toContain('this tenant has not granted IdentityRiskyUser.ReadWrite.All');
      expect(writesTo('/identityProtection/riskyUsers/confirmCompromised')).toEqual([]);
    } finally {
      consent.roles.graph = saved;
    }
  });

  test('a job retried after a crash does the change once; a finished one is a no-op', async () => {
    const rule = `${BEC.victimUpn}\\${BEC.inboxRuleName}`;
    const eventId = await addEvent('retry', BEC.victimUpn, [
      { kind: 'inbox_rule', key: rule, remediations: ['disable-inbox-rule', 'delete-inbox-rule'], isPrimary: true },
    ]);
    const asked = await json<View>(await request(tech, eventId, { action: 'disable-inbox-rule' }), 201);
    expect((await settled(asked.id)).status).toBe('succeeded');
    const cmdlets = () => sim.state.requestLog.filter((r) => r.api === 'exchange' && r.method === 'POST').length;
    // The process died after Exchange's answer and before the row said so: the job runs again.
    await handle.database.db.update(remediationRequest).set({ status: 'running' }).where(eq(remediationRequest.id, asked.id));
    const deps = {
      db: handle.database.db,
      secrets,
      log: createLogger({ logLevel: 'silent' }),
      access: { config: simConfig(sim.url), tokens: createTokenProvider(simConfig(sim.url), secrets) },
    };
    expect(await executeRemediation(deps, asked.id)).toEqual({ status: 'succeeded' });
    expect((await view(asked.id)).result).toMatchObject({ alreadyDone: true });
    expect(sim.state.requestLog.filter((r) => r.api === 'exchange' && r.method === 'POST' && r.status === 200).length).toBe(cmdlets());
    const before = cmdlets();
    expect(await executeRemediation(deps, asked.id)).toEqual({ status: 'succeeded' });
    expect(cmdlets()).toBe(before);
    const rules = simTenant().directory.messageRules.get(
      simTenant()
        .users.find((u) => u.userPrincipalName === BEC.victimUpn)!
        .id.toLowerCase(),
    )!;
    expect(rules.find((r) => r.displayName === BEC.inboxRuleName)?.isEnabled).toBe(false);
    expect(sim.state.requestLog.some((r) => r.api === 'exchange' && r.method === 'POST')).toBe(true);
    expect(
      simTenant()
        .blobs.flatMap((b) => b.records)
        .filter((r) => r.Operation === 'Disable-InboxRule').length,
    ).toBe(1);
  });
});

describe('reset password', () => {
  test('the temporary password is shown once, to the requester only, and never logged or stored in the history', async () => {
    const user = ordinary(7);
    const eventId = await userEvent('reset', user.userPrincipalName);
    const asked = await json<View>(await request(tech, eventId, { action: 'reset-password' }), 201);
    await json(await approve(admin, asked.id), 200);
    const done = await settled(asked.id);
    expect(done).toMatchObject({ status: 'succeeded', hasTemporaryPassword: true });
    expect(user.passwordProfile).toMatchObject({ forceChangePasswordNextSignIn: true });
    expect((await call(app, 'POST', `/api/v1/actions/${asked.id}/temporary-password`, { token: admin.token })).status).toBe(403);
    const { temporaryPassword } = await json<{ temporaryPassword: string }>(
      await call(app, 'POST', `/api/v1/actions/${asked.id}/temporary-password`, { token: tech.token }),
      200,
    );
    expect(temporaryPassword).toHaveLength(20);
    expect((await call(app, 'POST', `/api/v1/actions/${asked.id}/temporary-password`, { token: tech.token })).status).toBe(404);
    expect((await view(asked.id)).hasTemporaryPassword).toBe(false);

    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain(temporaryPassword);
    const [row] = await handle.database.db.select().from(remediationRequest).where(eq(remediationRequest.id, asked.id));
    expect(JSON.stringify(row)).not.toContain(temporaryPassword);
    const audit = await handle.database.db.select().from(auditLog).where(eq(auditLog.mspId, admin.mspId));
    expect(JSON.stringify(audit)).not.toContain(temporaryPassword);
    expect(audit.some((a) => a.action === 'remediation.password_shown' && a.targetId === asked.id)).toBe(true);
  });
});
