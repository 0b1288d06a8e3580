/**
 * What Entra refuses and records around remediation writes: administrators protected from an
 * app without an admin role, a disabled service principal denied tokens, and every write left
 * in the directory audit and the unified audit log as done by the app. Teams app installations
 * are listed and removed per team.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startM365Simulator, type M365Simulator } from '../index.ts';
import { BEC, CONTOSO, becScenario, collectorConsent } from '../scenarios/index.ts';
import { COLLECTOR_APP_ID, COLLECTOR_SECRET, assignAppRole, collectorApp, getJson, requestToken } from '../../../../test/helpers/m365-sim.ts';
import type { AuditRecord, DirectoryAudit } from '../records.ts';
import { validateAuditRecord, validateGraphRecord } from '../schemas/index.ts';

const ROLES = [
  ...(collectorConsent(COLLECTOR_APP_ID).roles.graph ?? []),
  'User.ReadWrite.All',
  'UserAuthenticationMethod.ReadWrite.All',
  'Application.ReadWrite.All',
  'Files.ReadWrite.All',
  'TeamsAppInstallation.ReadWriteForTeam.All',
  'Team.ReadBasic.All',
];
const ROGUE = { appId: '9c4f2e1a-6b7d-4e3f-8a2b-1c0d9e8f7a6b', secret: 'Rogue~app.secret-value' };
const TEAM_ID = '02bd9fd6-8f93-4758-87c3-1fb73740a315';

let sim: M365Simulator;
let token: string;

beforeAll(async () => {
  const scenario = becScenario({
    users: 12,
    consents: [
      { appId: COLLECTOR_APP_ID, roles: { graph: ROLES, exchange: ['Exchange.ManageAsApp'] } },
      { appId: ROGUE.appId, roles: { graph: ['Mail.Read'] } },
    ],
  });
  scenario.directory = {
    ...scenario.directory,
    teams: [
      {
        id: TEAM_ID,
        displayName: 'Finance',
        installedApps: [
          {
            id: 'inst-1',
            teamsApp: { id: 'app-catalog-1', externalId: null, displayName: 'Mail Sync Pro', distributionMethod: 'sideloaded' },
            teamsAppDefinition: { id: 'def-1', teamsAppId: 'app-catalog-1', displayName: 'Mail Sync Pro', version: '1.0.0', azureADAppId: ROGUE.appId },
          },
        ],
      },
    ],
  };
  sim = await startM365Simulator({
    clock: { start: '2024-05-08T06:00:00Z', frozen: true },
    apps: [collectorApp(), { appId: ROGUE.appId, displayName: 'Mail Sync Pro', secrets: [{ value: ROGUE.secret }] }],
    tenants: [scenario],
  });
  token = await graphToken(COLLECTOR_APP_ID, COLLECTOR_SECRET);
});
afterAll(() => sim.close());

async function graphToken(appId: string, secret: string, scope = 'https://graph.microsoft.com/.default'): Promise<string> {
  const { body } = await requestToken(sim, CONTOSO.tenantId, { grant_type: 'client_credentials', client_id: appId, client_secret: secret, scope });
  return String(body.access_token);
}
const send = (method: string, path: string, body?: unknown, bearer = token) =>
  getJson(`${sim.url}/v1.0/${path}`, bearer, {
    method,
    ...(body !== undefined ? { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
const tenant = () => sim.state.findTenant(CONTOSO.tenantId)!;
const victim = () => tenant().users.find((u) => u.userPrincipalName === BEC.victimUpn)!;
const audits = (): DirectoryAudit[] => tenant().directoryAudits.map((t) => t.value);
const ual = (): AuditRecord[] => tenant().blobs.flatMap((b) => b.records);
const appSpId = () => sim.state.servicePrincipalId(tenant(), tenant().consents.get(COLLECTOR_APP_ID)!);

describe('administrators are protected', () => {
  it("refuses to block or reset an administrator until the app holds an admin role, with Entra's error", async () => {
    const admin = victim();
    const refused = await send('PATCH', `users/${admin.id}`, { accountEnabled: false });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } });
    expect((await send('PATCH', `users/${admin.id}`, { passwordProfile: { password: 'Tmp-Reset-9241!x', forceChangePasswordNextSignIn: true } })).status).toBe(
      403,
    );
    expect(admin.accountEnabled).toBe(true);
    // A non-administrator is blocked with the same token.
    const ordinary = tenant().users.find((u) => u.id !== admin.id && !tenant().directory.roleAssignments.some((a) => a.principalId === u.id))!;
    expect((await send('PATCH', `users/${ordinary.id}`, { accountEnabled: false })).status).toBe(204);
    // User Administrator is not enough for an Exchange Administrator; Privileged Authentication Administrator is.
    assignAppRole(sim, CONTOSO.tenantId, COLLECTOR_APP_ID, 'User Administrator');
    expect((await send('PATCH', `users/${admin.id}`, { accountEnabled: false })).status).toBe(403);
    assignAppRole(sim, CONTOSO.tenantId, COLLECTOR_APP_ID, 'Privileged Authentication Administrator');
    expect((await send('PATCH', `users/${admin.id}`, { accountEnabled: false })).status).toBe(204);
    expect(admin.accountEnabled).toBe(false);
    expect((await send('PATCH', `users/${admin.id}`, { accountEnabled: true })).status).toBe(204);
  });
});

describe("writes leave Microsoft's audit records, done by the app", () => {
  it('block sign-in: "Disable account" and "Update user" in both feeds', async () => {
    const user = tenant().users[3]!;
    const before = audits().length;
    expect((await send('PATCH', `users/${user.id}`, { accountEnabled: false })).status).toBe(204);
    const added = audits().slice(before);
    expect(added.map((a) => a.activityDisplayName)).toEqual(['Disable account', 'Update user']);
    expect(added[0]).toMatchObject({
      initiatedBy: { user: null, app: { appId: COLLECTOR_APP_ID, servicePrincipalId: appSpId() } },
      targetResources: [
        {
          id: user.id,
          userPrincipalName: user.userPrincipalName,
          modifiedProperties: [{ displayName: 'AccountEnabled', oldValue: '[true]', newValue: '[false]' }],
        },
      ],
    });
    const records = ual().filter((r) => r.ObjectId === user.userPrincipalName && r.RecordType === 8);
    expect(records.map((r) => r.Operation)).toEqual(expect.arrayContaining(['Disable account.', 'Update user.']));
    expect(records.find((r) => r.Operation === 'Disable account.')).toMatchObject({ UserId: `ServicePrincipal_${appSpId()}`, UserType: 5 });
    // Visible through Graph's own read once Entra's reporting latency has passed.
    expect(
      (await fetch(`${sim.url}/_sim/clock`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ advance: '30m' }) }))
        .status,
    ).toBe(200);
    const read = await send('GET', `auditLogs/directoryAudits?$filter=${encodeURIComponent('activityDateTime ge 2024-05-08T00:00:00Z')}`);
    expect(
      (read.body as { value: DirectoryAudit[] }).value.some((a) => a.activityDisplayName === 'Disable account' && a.targetResources[0]?.id === user.id),
    ).toBe(true);
    expect((await send('PATCH', `users/${user.id}`, { accountEnabled: true })).status).toBe(204);
    expect(audits().at(-2)?.activityDisplayName).toBe('Enable account');
  });

  it('Remove-InboxRule through the Exchange admin API is in the unified audit log by the app', async () => {
    const exchangeToken = await graphToken(COLLECTOR_APP_ID, COLLECTOR_SECRET, 'https://outlook.office365.com/.default');
    const answer = await getJson(`${sim.url}/adminapi/beta/${CONTOSO.tenantId}/InvokeCommand`, exchangeToken, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ CmdletInput: { CmdletName: 'Get-InboxRule', Parameters: { Mailbox: BEC.victimUpn } } }),
    });
    const rule = (answer.body as { value: { Name: string; Identity: string }[] }).value.find((r) => r.Name === BEC.inboxRuleName)!;
    const removed = await getJson(`${sim.url}/adminapi/beta/${CONTOSO.tenantId}/InvokeCommand`, exchangeToken, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ CmdletInput: { CmdletName: 'Remove-InboxRule', Parameters: { Identity: rule.Identity, Confirm: false } } }),
    });
    expect(removed.status).toBe(200);
    const record = ual().find((r) => r.Operation === 'Remove-InboxRule');
    expect(record).toMatchObject({
      RecordType: 1,
      Workload: 'Exchange',
      ObjectId: rule.Identity,
      AppId: COLLECTOR_APP_ID,
      UserId: `ServicePrincipal_${appSpId()}`,
      ResultStatus: 'True',
    });
    expect((record as unknown as { Parameters: { Name: string }[] }).Parameters.map((p) => p.Name)).toEqual(['Identity']);
  });
});

describe('a disabled service principal', () => {
  it('gets no tokens (AADSTS7000112) until it is enabled again', async () => {
    const rogueSp = tenant().directory.servicePrincipals.find((s) => s.appId === ROGUE.appId)!;
    expect(
      (
        await requestToken(sim, CONTOSO.tenantId, {
          grant_type: 'client_credentials',
          client_id: ROGUE.appId,
          client_secret: ROGUE.secret,
          scope: 'https://graph.microsoft.com/.default',
        })
      ).status,
    ).toBe(200);
    expect((await send('PATCH', `servicePrincipals/${rogueSp.id}`, { accountEnabled: false })).status).toBe(204);
    const denied = await requestToken(sim, CONTOSO.tenantId, {
      grant_type: 'client_credentials',
      client_id: ROGUE.appId,
      client_secret: ROGUE.secret,
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(denied.status).toBe(400);
    expect(denied.body).toMatchObject({ error: 'unauthorized_client', error_codes: [7000112] });
    expect(String(denied.body.error_description)).toContain(`Application '${ROGUE.appId}'(Mail Sync Pro) is disabled.`);
    expect(audits().at(-1)).toMatchObject({ activityDisplayName: 'Update service principal', targetResources: [{ id: rogueSp.id, type: 'ServicePrincipal' }] });
    expect((await send('PATCH', `servicePrincipals/${rogueSp.id}`, { accountEnabled: true })).status).toBe(204);
    expect(
      (
        await requestToken(sim, CONTOSO.tenantId, {
          grant_type: 'client_credentials',
          client_id: ROGUE.appId,
          client_secret: ROGUE.secret,
          scope: 'https://graph.microsoft.com/.default',
        })
      ).status,
    ).toBe(200);
  });
});

describe('the records written', () => {
  it("follow Microsoft's schemas", () => {
    const written = ual().filter((r) => String(r.UserId).startsWith('ServicePrincipal_'));
    expect(written.length).toBeGreaterThan(3);
    for (const record of written) expect(validateAuditRecord(record), String(record.Operation)).toMatchObject({ ok: true });
    for (const audit of audits().filter((a) => a.initiatedBy.app))
      expect(validateGraphRecord('graph.directoryAudits', audit), audit.activityDisplayName).toMatchObject({ ok: true });
  });
});

describe('Teams apps', () => {
  it("lists a team's installed apps with their definitions and uninstalls one", async () => {
    expect((await send('GET', 'teams')).body).toMatchObject({ value: [{ id: TEAM_ID, displayName: 'Finance' }] });
    const listed = await send('GET', `teams/${TEAM_ID}/installedApps?$expand=teamsAppDefinition`);
    expect(listed.body).toMatchObject({ value: [{ id: 'inst-1', teamsAppDefinition: { azureADAppId: ROGUE.appId } }] });
    expect((await send('DELETE', `teams/${TEAM_ID}/installedApps/inst-1`)).status).toBe(204);
    expect((await send('GET', `teams/${TEAM_ID}/installedApps`)).body).toMatchObject({ value: [] });
    // Like every write, the uninstall is in the unified audit log (Teams, Audit.General), by the app.
    const uninstalled = tenant().blobs.find((b) => b.records.some((r) => r.Operation === 'AppUninstalled'));
    expect(uninstalled?.contentType).toBe('Audit.General');
    const record = uninstalled!.records.find((r) => r.Operation === 'AppUninstalled')!;
    expect(record).toMatchObject({
      RecordType: 25,
      Workload: 'MicrosoftTeams',
      UserId: `ServicePrincipal_${appSpId()}`,
      TeamGuid: TEAM_ID,
      AzureADAppId: ROGUE.appId,
    });
    expect(validateAuditRecord(record)).toMatchObject({ ok: true });
    expect((await send('DELETE', `teams/${TEAM_ID}/installedApps/inst-1`)).status).toBe(404);
    const reader = await graphToken(ROGUE.appId, ROGUE.secret);
    expect((await send('DELETE', `teams/${TEAM_ID}/installedApps/inst-1`, undefined, reader)).body).toMatchObject({
      error: { code: 'Authorization_RequestDenied' },
    });
  });
});
