import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { M365Simulator } from './index.ts';
import { startM365Simulator } from './index.ts';
import { BEC, CONTOSO, becScenario, collectorConsent } from './scenarios/index.ts';
import { COLLECTOR_APP_ID, COLLECTOR_SECRET, FABRIKAM_ID, collectorApp, fabrikamScenario, getJson, requestToken } from '../../../test/helpers/m365-sim.ts';

let sim: M365Simulator;
let token: string;
let graphToken: string;

async function tokenFor(tenant: string, scope: string): Promise<string> {
  const { body } = await requestToken(sim, tenant, { grant_type: 'client_credentials', client_id: COLLECTOR_APP_ID, client_secret: COLLECTOR_SECRET, scope });
  return String(body.access_token);
}

beforeAll(async () => {
  sim = await startM365Simulator({
    clock: { start: '2024-05-08T06:00:00Z', frozen: true },
    apps: [collectorApp()],
    tenants: [
      becScenario({
        users: 20,
        consents: [
          {
            ...collectorConsent(COLLECTOR_APP_ID),
            roles: { ...collectorConsent(COLLECTOR_APP_ID).roles, graph: ['MailboxSettings.ReadWrite', 'User.Read.All'] },
          },
        ],
      }),
      // Consented with Graph permissions only: its Exchange tokens carry no Exchange.ManageAsApp.
      fabrikamScenario({ consents: [{ appId: COLLECTOR_APP_ID, roles: { graph: ['User.Read.All'] } }] }),
    ],
  });
  token = await tokenFor(CONTOSO.tenantId, 'https://outlook.office365.com/.default');
  graphToken = await tokenFor(CONTOSO.tenantId, 'https://graph.microsoft.com/.default');
});
afterAll(() => sim.close());

const invoke = (CmdletName: string, Parameters: Record<string, unknown> = {}, bearer = token, tenant: string = CONTOSO.tenantId) =>
  getJson(`${sim.url}/adminapi/beta/${tenant}/InvokeCommand`, bearer, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ CmdletInput: { CmdletName, Parameters } }),
  });
const control = async (path: string): Promise<unknown> => (await fetch(`${sim.url}/_sim/tenants/${CONTOSO.tenantId}${path}`)).json();
const victimId = () => sim.state.findTenant(CONTOSO.tenantId)!.users.find((u) => u.userPrincipalName === BEC.victimUpn)!.id;
const errorText = (body: unknown): string => (body as { error: { message: string } }).error.message;

describe('mailbox forwarding', () => {
  it('Get-Mailbox shows the forwarding the bec story set with Set-Mailbox; Set-Mailbox removes it', async () => {
    const before = await invoke('Get-Mailbox', { Identity: BEC.victimUpn });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      'adminapi.warnings': [],
      value: [
        {
          UserPrincipalName: BEC.victimUpn,
          ExternalDirectoryObjectId: victimId(),
          ForwardingSmtpAddress: `smtp:${BEC.attackerMailbox}`,
          ForwardingAddress: null,
          DeliverToMailboxAndForward: false,
          RecipientTypeDetails: 'UserMailbox',
        },
      ],
    });
    // The alias and object id name the same mailbox.
    expect((await invoke('Get-Mailbox', { Identity: victimId() })).body).toMatchObject({ value: [{ Alias: 'isabella.ruiz' }] });

    const removed = await invoke('Set-Mailbox', {
      Identity: BEC.victimUpn,
      ForwardingSmtpAddress: null,
      ForwardingAddress: null,
      DeliverToMailboxAndForward: false,
      Confirm: false,
    });
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ value: [], 'adminapi.warnings': [] });
    expect((await invoke('Get-Mailbox', { Identity: 'isabella.ruiz' })).body).toMatchObject({
      value: [{ ForwardingSmtpAddress: null, ForwardingAddress: null, DeliverToMailboxAndForward: false, WhenChanged: '2024-05-08T06:00:00Z' }],
    });
    expect(await control(`/users/${victimId()}`)).toMatchObject({ mailbox: { ForwardingSmtpAddress: null } });

    // The same call again changes nothing and says so.
    const again = await invoke('Set-Mailbox', { Identity: BEC.victimUpn, ForwardingSmtpAddress: null });
    expect((again.body as { 'adminapi.warnings': string[] })['adminapi.warnings'][0]).toMatch(/no settings of 'isabella\.ruiz' have been modified/);
  });

  it('Set-Mailbox sets forwarding to an address or to a recipient of the organisation', async () => {
    const someone = sim.state.findTenant(CONTOSO.tenantId)!.users[3]!;
    await invoke('Set-Mailbox', { Identity: someone.userPrincipalName, ForwardingSmtpAddress: 'ledger@fabrikam.com', DeliverToMailboxAndForward: true });
    expect((await invoke('Get-Mailbox', { Identity: someone.id })).body).toMatchObject({
      value: [{ ForwardingSmtpAddress: 'smtp:ledger@fabrikam.com', DeliverToMailboxAndForward: true }],
    });
    await invoke('Set-Mailbox', { Identity: someone.id, ForwardingAddress: BEC.victimUpn });
    expect((await invoke('Get-Mailbox', { Identity: someone.id })).body).toMatchObject({ value: [{ ForwardingAddress: 'isabella.ruiz' }] });
    const unknownRecipient = await invoke('Set-Mailbox', { Identity: someone.id, ForwardingAddress: 'nobody@contoso.com' });
    expect(unknownRecipient.status).toBe(404);
    expect(errorText(unknownRecipient.body)).toContain('ManagementObjectNotFoundException|Couldn\'t find object "nobody@contoso.com"');
    expect((await invoke('Set-Mailbox', { Identity: someone.id, ForwardingSmtpAddress: 'not an address' })).status).toBe(400);
    const listed = (await invoke('Get-Mailbox', { ResultSize: 'Unlimited' })).body as { value: { ForwardingSmtpAddress: string | null }[] };
    expect(listed.value.length).toBe(sim.state.findTenant(CONTOSO.tenantId)!.users.length);
    expect(listed.value.filter((m) => m.ForwardingSmtpAddress !== null)).toHaveLength(1);
  });
});

describe('inbox rules through Exchange', () => {
  it('Get-InboxRule lists the mailbox rules Graph shows; Disable-InboxRule and Remove-InboxRule change the one state', async () => {
    const listed = (await invoke('Get-InboxRule', { Mailbox: BEC.victimUpn })).body as {
      value: { Name: string; Identity: string; RuleIdentity: string; Enabled: boolean }[];
    };
    const rule = listed.value.find((r) => r.Name === BEC.inboxRuleName)!;
    expect(rule).toMatchObject({ Enabled: true, Identity: `isabella.ruiz\\${rule.RuleIdentity}` });
    expect(rule.RuleIdentity).toMatch(/^\d+$/);

    expect((await invoke('Disable-InboxRule', { Identity: rule.Identity, Confirm: false })).status).toBe(200);
    const rules = (await getJson(`${sim.url}/v1.0/users/${BEC.victimUpn}/mailFolders/inbox/messageRules`, graphToken)).body as {
      value: { id: string; displayName: string; isEnabled: boolean }[];
    };
    const graphRule = rules.value.find((r) => r.displayName === BEC.inboxRuleName)!;
    expect(graphRule.isEnabled).toBe(false);
    expect((await invoke('Get-InboxRule', { Mailbox: BEC.victimUpn, Identity: rule.RuleIdentity })).body).toMatchObject({ value: [{ Enabled: false }] });

    expect((await invoke('Remove-InboxRule', { Mailbox: BEC.victimUpn, Identity: BEC.inboxRuleName, Confirm: false })).status).toBe(200);
    const after = await getJson(`${sim.url}/v1.0/users/${BEC.victimUpn}/mailFolders/inbox/messageRules/${encodeURIComponent(graphRule.id)}`, graphToken);
    expect(after.body).toMatchObject({ error: { code: 'ErrorItemNotFound' } });
    expect((await invoke('Remove-InboxRule', { Identity: rule.Identity })).status).toBe(404);
  });

  it('a rule deleted through Graph is gone from Get-InboxRule', async () => {
    const [userId, rules] = [...sim.state.findTenant(CONTOSO.tenantId)!.directory.messageRules.entries()].find(
      ([id, list]) => id !== victimId().toLowerCase() && list.length > 0,
    )!;
    const rule = rules[0]!;
    expect((await invoke('Get-InboxRule', { Mailbox: userId, Identity: rule.displayName })).status).toBe(200);
    expect(
      (await getJson(`${sim.url}/v1.0/users/${userId}/mailFolders/inbox/messageRules/${encodeURIComponent(rule.id)}`, graphToken, { method: 'DELETE' })).status,
    ).toBe(204);
    const missing = await invoke('Get-InboxRule', { Mailbox: userId, Identity: rule.displayName });
    expect(missing.status).toBe(404);
    expect(errorText(missing.body)).toContain(
      `ManagementObjectNotFoundException|The operation couldn't be performed because object '${rule.displayName}' couldn't be found`,
    );
  });
});

describe('transport rules', () => {
  it('Set-, Disable-, Enable- and Remove-TransportRule change what Get-TransportRule returns', async () => {
    expect((await invoke('Disable-TransportRule', { Identity: BEC.transportRuleName, Confirm: false })).status).toBe(200);
    expect((await invoke('Get-TransportRule', { Identity: BEC.transportRuleName })).body).toMatchObject({
      value: [{ State: 'Disabled', WhenChanged: '2024-05-08T06:00:00Z' }],
    });
    expect((await invoke('Enable-TransportRule', { Identity: BEC.transportRuleName, Mode: 'Audit' })).status).toBe(200);
    expect((await invoke('Get-TransportRule', { Identity: BEC.transportRuleName })).body).toMatchObject({ value: [{ State: 'Enabled', Mode: 'Audit' }] });

    const set = await invoke('Set-TransportRule', { Identity: BEC.transportRuleName, BlindCopyTo: null, Comments: 'Neutralised by the MSP', Mode: 'Enforce' });
    expect(set.status).toBe(200);
    expect((await invoke('Get-TransportRule', { Identity: BEC.transportRuleName })).body).toMatchObject({
      value: [{ BlindCopyTo: null, Comments: 'Neutralised by the MSP', Mode: 'Enforce' }],
    });
    expect(await control('/transportRules')).toMatchObject([{ Name: BEC.transportRuleName, BlindCopyTo: null }]);

    const guid = ((await invoke('Get-TransportRule')).body as { value: { Guid: string }[] }).value[0]!.Guid;
    expect((await invoke('Remove-TransportRule', { Identity: guid, Confirm: false })).status).toBe(200);
    expect((await invoke('Get-TransportRule')).body).toMatchObject({ value: [] });
    expect((await invoke('Remove-TransportRule', { Identity: guid })).status).toBe(404);
    expect(await control('/transportRules')).toEqual([]);
  });

  it('keeps priorities contiguous when a rule moves or goes', async () => {
    const rule = (name: string, priority: number) => ({
      Identity: name,
      Name: name,
      Guid: `0000000${priority}-0000-4000-8000-000000000000`,
      State: 'Enabled',
      Mode: 'Enforce',
      Priority: priority,
      Comments: '',
      WhenChanged: '2024-01-01T00:00:00Z',
    });
    await fetch(`${sim.url}/_sim/tenants/${CONTOSO.tenantId}/transportRules`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([rule('A', 0), rule('B', 1), rule('C', 2)]),
    });
    await invoke('Set-TransportRule', { Identity: 'C', Priority: 0 });
    const names = async () =>
      ((await invoke('Get-TransportRule')).body as { value: { Name: string; Priority: number }[] }).value.map((r) => `${r.Priority}:${r.Name}`);
    expect(await names()).toEqual(['0:C', '1:A', '2:B']);
    expect((await invoke('Set-TransportRule', { Identity: 'C', Priority: 3 })).status).toBe(400);
    await invoke('Remove-TransportRule', { Identity: 'A' });
    expect(await names()).toEqual(['0:C', '1:B']);
    expect(errorText((await invoke('Set-TransportRule', { Identity: 'B', Name: 'C' })).body)).toContain("A transport rule with the name 'C' already exists.");
  });
});

describe('errors', () => {
  it('answers binding errors, unknown identities and missing permissions as the admin API does', async () => {
    const unknownParameter = await invoke('Set-TransportRule', { Identity: 'x', Enabled: false });
    expect(unknownParameter.status).toBe(400);
    expect(errorText(unknownParameter.body)).toContain("ParameterBindingException|A parameter cannot be found that matches parameter name 'Enabled'.");
    const missing = await invoke('Remove-InboxRule', { Mailbox: BEC.victimUpn });
    expect(missing.status).toBe(400);
    expect(errorText(missing.body)).toContain('missing mandatory parameters: Identity.');
    const unknownMailbox = await invoke('Get-Mailbox', { Identity: 'nobody@contoso.com' });
    expect(unknownMailbox.status).toBe(404);
    expect(unknownMailbox.body).toMatchObject({
      error: { code: 'NotFound', innererror: { internalexception: { type: 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException' } } },
    });
    expect((await invoke('Get-InboxRule', { Mailbox: 'nobody@contoso.com' })).status).toBe(404);
    expect((await invoke('Set-Mailbox', { Identity: BEC.victimUpn, DeliverToMailboxAndForward: 'sometimes' })).status).toBe(400);

    const noRole = await invoke(
      'Disable-TransportRule',
      { Identity: BEC.transportRuleName },
      await tokenFor(FABRIKAM_ID, 'https://outlook.office365.com/.default'),
      FABRIKAM_ID,
    );
    expect(noRole.status).toBe(403);
    const log = sim.state.requestLog.filter((r) => r.api === 'exchange' && r.tenantId === FABRIKAM_ID);
    expect(log.at(-1)).toMatchObject({ method: 'POST', status: 403 });
  });
});
