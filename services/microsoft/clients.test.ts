/**
 * The one Graph client and the one Exchange admin client, made for tenant rows the way every
 * stage makes them (`graphClientFor`, `exchangeClientFor`: the tenant's endpoints, msal-node
 * tokens from its sealed credentials), against the Microsoft 365 simulator over https.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../crypto.ts';
import { createSigningKeys } from '../sim/m365/access-token.ts';
import { startM365Simulator, type M365Simulator } from '../sim/m365/index.ts';
import { BEC, CONTOSO, FABRIKAM, baselineScenario, becScenario, collectorConsent } from '../sim/m365/scenarios/index.ts';
import { COLLECTOR_APP_ID, COLLECTOR_SECRET, assignAppRole, collectorApp } from '../../test/helpers/m365-sim.ts';
import { simulatorTls } from '../sim/m365/tls.ts';
import { orThrow } from './answer.ts';
import { CollectError } from './errors.ts';
import { exchangeClientFor } from './exchange-client.ts';
import { graphClientFor, type MicrosoftAccess } from './graph-client.ts';
import { createTokenProvider, type TenantAuth } from './token-provider.ts';

const WRITE_ROLES = ['User.ReadWrite.All', 'MailboxSettings.ReadWrite'];
const secrets = createSecretBox(Buffer.alloc(32, 7));
let sim: M365Simulator;
let access: MicrosoftAccess;

const row = (tenantGuid: string, clientSecret = COLLECTOR_SECRET): TenantAuth => ({
  tenantGuid,
  authMode: 'secret',
  clientId: COLLECTOR_APP_ID,
  credentialsEnc: secrets.seal(JSON.stringify({ clientSecret })),
});
const contoso = row(CONTOSO.tenantId);
const fabrikam = row(FABRIKAM.tenantId);

/** A fresh simulator per group of tests: the writes of one group are not the next one's starting point. */
async function startSimulator(): Promise<void> {
  const consent = collectorConsent(COLLECTOR_APP_ID);
  sim = await startM365Simulator({
    tls: simulatorTls(),
    signingKeys: await createSigningKeys(),
    clock: { start: '2024-05-08T06:00:00Z', frozen: true },
    apps: [collectorApp()],
    tenants: [
      becScenario({ users: 10, consents: [{ ...consent, roles: { ...consent.roles, graph: [...(consent.roles.graph ?? []), ...WRITE_ROLES] } }] }),
      // Read-only consent and no Exchange permission: writes and cmdlets are refused.
      baselineScenario({ users: 3, seed: 'fabrikam', tenant: { ...FABRIKAM }, consents: [{ appId: COLLECTOR_APP_ID, roles: { graph: ['User.Read.All'] } }] }),
    ],
  });
  // The bec victim is an Exchange Administrator: Entra lets an app block an administrator only with an admin role of its own.
  assignAppRole(sim, CONTOSO.tenantId, COLLECTOR_APP_ID, 'Privileged Authentication Administrator');
  const microsoft = {
    loginUrl: sim.url,
    graphUrl: sim.url,
    managementUrl: sim.url,
    exchangeUrl: sim.url,
    clientId: undefined,
    clientSecret: undefined,
    publisherId: undefined,
  };
  access = { config: { microsoft }, tokens: createTokenProvider({ microsoft }, secrets) };
}

const setFaults = async (tenant: string, rules: unknown[]) => {
  const response = await fetch(`${sim.url}/_sim/tenants/${tenant}/faults`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ rules }),
  });
  expect(response.ok).toBe(true);
};
beforeEach(() => setFaults(CONTOSO.tenantId, []));

const victimId = () => sim.state.findTenant(CONTOSO.tenantId)!.users.find((u) => u.userPrincipalName === BEC.victimUpn)!.id;

describe('the Graph client', () => {
  beforeAll(startSimulator);
  afterAll(() => sim.close());

  it('reads, and writes with PATCH, POST and DELETE', async () => {
    const graph = graphClientFor(access, contoso);
    const user = orThrow(await graph.get<{ id: string; accountEnabled: boolean }>(`/users/${BEC.victimUpn}`, { query: { $select: 'id,accountEnabled' } }));
    expect(user).toMatchObject({ id: victimId(), accountEnabled: true });

    expect(await graph.patch(`/users/${user.id}`, { accountEnabled: false }, { permission: 'User.ReadWrite.All' })).toMatchObject({ ok: true });
    expect(orThrow(await graph.get(`/users/${user.id}?$select=accountEnabled`))).toMatchObject({ accountEnabled: false });
    expect(orThrow(await graph.post(`/users/${user.id}/revokeSignInSessions`, {}))).toMatchObject({ value: true });

    const rules = orThrow(await graph.get<{ value: { id: string; displayName: string }[] }>(`/users/${user.id}/mailFolders/inbox/messageRules`));
    const rule = rules.value.find((r) => r.displayName === BEC.inboxRuleName)!;
    const path = `/users/${user.id}/mailFolders/inbox/messageRules/${encodeURIComponent(rule.id)}`;
    expect(await graph.delete(path, { permission: 'MailboxSettings.ReadWrite' })).toEqual({ ok: true, body: undefined });

    // Gone: the answer says so in Graph's words and as a CollectError, without throwing.
    const gone = await graph.get(path);
    expect(gone).toMatchObject({ ok: false, failure: { status: 404, code: 'ErrorItemNotFound', error: { kind: 'gone' } } });
  });

  it('says in plain words which permission a tenant has not granted (403)', async () => {
    const graph = graphClientFor(access, fabrikam);
    const someone = sim.state.findTenant(FABRIKAM.tenantId)!.users[0]!;
    const refused = await graph.patch(`/users/${someone.id}`, { accountEnabled: false }, { permission: 'User.ReadWrite.All' });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.failure.status).toBe(403);
    expect(refused.failure.error).toBeInstanceOf(CollectError);
    expect(refused.failure.error.kind).toBe('permission');
    expect(refused.failure.error.message).toMatch(
      /^Microsoft Graph denied access: this tenant has not granted the app the User\.ReadWrite\.All permission with admin consent/,
    );
    expect(() => orThrow(refused)).toThrow(refused.failure.error);
    // The account is as it was.
    expect(sim.state.findTenant(FABRIKAM.tenantId)!.users[0]!.accountEnabled).not.toBe(false);
  });

  it('ends a call throttled for longer than it waits in place, with the wait Graph asked for', async () => {
    await setFaults(CONTOSO.tenantId, [{ kind: 'throttle', apis: ['graph'], pathIncludes: '/users', retryAfterSeconds: 30 }]);
    const answer = await graphClientFor(access, contoso).get(`/users/${BEC.victimUpn}`);
    expect(answer).toMatchObject({ ok: false, failure: { status: 429, retryAfterSeconds: 30, error: { kind: 'throttled', retryAfterSeconds: 30 } } });
  });

  it('reports a failed sign-in as the sign-in error, without calling Graph', async () => {
    const before = sim.state.requestLog.filter((r) => r.api === 'graph').length;
    const answer = await graphClientFor(access, row(CONTOSO.tenantId, 'not-the-secret')).get('/users');
    expect(answer).toMatchObject({ ok: false, failure: { status: 0, error: { kind: 'auth' } } });
    if (!answer.ok) expect(answer.failure.error.message).toMatch(/^Could not sign in to the tenant: the client secret is wrong/);
    expect(sim.state.requestLog.filter((r) => r.api === 'graph').length).toBe(before);
  });
});

describe('the Exchange admin client', () => {
  beforeAll(startSimulator);
  afterAll(() => sim.close());

  it('runs read and write cmdlets with their parameters ($null clears a setting)', async () => {
    const exchange = exchangeClientFor(access, contoso);
    const [mailbox] = orThrow(await exchange.invoke<{ ForwardingSmtpAddress: string | null }>('Get-Mailbox', { Identity: BEC.victimUpn }));
    expect(mailbox?.ForwardingSmtpAddress).toBeTruthy();
    expect(
      await exchange.invoke('Set-Mailbox', {
        Identity: BEC.victimUpn,
        ForwardingSmtpAddress: null,
        ForwardingAddress: null,
        DeliverToMailboxAndForward: false,
        Confirm: false,
      }),
    ).toMatchObject({ ok: true });
    expect(orThrow(await exchange.invoke('Get-Mailbox', { Identity: BEC.victimUpn }))).toMatchObject([
      { ForwardingSmtpAddress: null, DeliverToMailboxAndForward: false },
    ]);

    const rules = orThrow(await exchange.invoke<{ Name: string; Identity: string; Enabled: boolean }>('Get-InboxRule', { Mailbox: BEC.victimUpn }));
    const rule = rules.find((r) => r.Name === BEC.inboxRuleName)!;
    orThrow(await exchange.invoke('Disable-InboxRule', { Identity: rule.Identity, Confirm: false }));
    expect(orThrow(await exchange.invoke('Get-InboxRule', { Mailbox: BEC.victimUpn })).find((r) => r.Name === BEC.inboxRuleName)).toMatchObject({
      Enabled: false,
    });
    orThrow(await exchange.invoke('Remove-InboxRule', { Mailbox: BEC.victimUpn, Identity: BEC.inboxRuleName, Confirm: false }));

    // Removing it again: Exchange's own words, as a failure rather than an exception.
    const again = await exchange.invoke('Remove-InboxRule', { Identity: rule.Identity, Confirm: false });
    expect(again).toMatchObject({ ok: false, failure: { status: 404, error: { kind: 'gone' } } });
  });

  it('says in plain words that the tenant has not granted Exchange.ManageAsApp (403)', async () => {
    const answer = await exchangeClientFor(access, fabrikam).invoke('Get-TransportRule', {});
    expect(answer).toMatchObject({ ok: false, failure: { status: 403, error: { kind: 'permission' } } });
    if (!answer.ok) {
      expect(answer.failure.error.message).toMatch(
        /^Exchange Online denied access: this tenant has not granted the app the Exchange\.ManageAsApp permission with admin consent, or the app holds no Exchange role that allows Get-TransportRule/,
      );
    }
  });

  it('repeats a read after a server error, never a New- cmdlet', async () => {
    const exchangeCalls = () => sim.state.requestLog.filter((r) => r.api === 'exchange' && r.tenantId === CONTOSO.tenantId).length;
    const exchange = exchangeClientFor(access, contoso);

    await setFaults(CONTOSO.tenantId, [{ kind: 'server-error', apis: ['exchange'], status: 500, remaining: 1 }]);
    let before = exchangeCalls();
    expect(await exchange.invoke('Get-TransportRule', {})).toMatchObject({ ok: true });
    expect(exchangeCalls() - before).toBe(2);

    await setFaults(CONTOSO.tenantId, [{ kind: 'server-error', apis: ['exchange'], status: 500, remaining: 1 }]);
    before = exchangeCalls();
    const created = await exchange.invoke('New-InboxRule', { Mailbox: BEC.victimUpn, Name: 'Move newsletters', MoveToFolder: 'Archive' });
    expect(created).toMatchObject({ ok: false, failure: { status: 500, error: { kind: 'transient' } } });
    expect(exchangeCalls() - before).toBe(1);
  });
});
