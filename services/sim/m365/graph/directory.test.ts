import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { M365Simulator } from '../index.ts';
import { startM365Simulator } from '../index.ts';
import { BEC, CONTOSO, becScenario } from '../scenarios/index.ts';
import { encodeSharingUrl } from '../directory.ts';
import { COLLECTOR_APP_ID, collectorApp, getJson, requestToken, COLLECTOR_SECRET, fabrikamScenario, FABRIKAM_ID } from '../../../../test/helpers/m365-sim.ts';

let sim: M365Simulator;
let token: string;
let exchangeToken: string;
const graph = (path: string): string => `${sim.url}/v1.0/${path}`;

const ROLES = [
  'User.Read.All',
  'AuditLog.Read.All',
  'Organization.Read.All',
  'RoleManagement.Read.Directory',
  'Application.Read.All',
  'MailboxSettings.Read',
  'Mail.ReadBasic.All',
  'Files.Read.All',
  'IdentityRiskyUser.Read.All',
];

async function tokenFor(tenant: string, scope: string): Promise<string> {
  const { body } = await requestToken(sim, tenant, { grant_type: 'client_credentials', client_id: COLLECTOR_APP_ID, client_secret: COLLECTOR_SECRET, scope });
  return String(body.access_token);
}

beforeAll(async () => {
  sim = await startM365Simulator({
    clock: { start: '2024-05-08T06:00:00Z', frozen: true },
    apps: [collectorApp()],
    tenants: [
      becScenario({ consents: [{ appId: COLLECTOR_APP_ID, roles: { graph: ROLES, exchange: ['Exchange.ManageAsApp'] } }], users: 30 }),
      fabrikamScenario(),
    ],
  });
  token = await tokenFor(CONTOSO.tenantId, 'https://graph.microsoft.com/.default');
  exchangeToken = await tokenFor(CONTOSO.tenantId, 'https://outlook.office365.com/.default');
});
afterAll(() => sim.close());

const victimId = () => sim.state.findTenant(CONTOSO.tenantId)!.users.find((u) => u.userPrincipalName === BEC.victimUpn)!.id;

describe('directory endpoints', () => {
  it('serves registration details, licences with live consumed units, and role assignments with the role expanded', async () => {
    const reg = await getJson(graph(`reports/authenticationMethods/userRegistrationDetails/${victimId()}`), token);
    expect(reg.body).toMatchObject({ userPrincipalName: BEC.victimUpn, isMfaRegistered: true, methodsRegistered: ['mobilePhone'] });
    const skus = (await getJson(graph('subscribedSkus'), token)).body as { value: { skuPartNumber: string; consumedUnits: number }[] };
    expect(skus.value.map((s) => s.skuPartNumber).sort()).toEqual(['SPE_E3', 'SPE_E5']);
    expect(skus.value.reduce((n, s) => n + s.consumedUnits, 0)).toBe(31);
    const roles = await getJson(graph(`roleManagement/directory/roleAssignments?$filter=principalId eq '${victimId()}'&$expand=roleDefinition`), token);
    expect(roles.body).toMatchObject({
      value: [
        {
          principalId: victimId(),
          directoryScopeId: '/',
          roleDefinition: { displayName: 'Exchange Administrator', templateId: '29232cdf-9323-42fd-ade2-1d097af3e4de' },
        },
      ],
    });
  });

  it('service principals by appId filter and id, their grants and app role assignments; the recycle bin', async () => {
    const list = (await getJson(graph(`servicePrincipals?$filter=appId eq '${BEC.consentApp.appId}'`), token)).body as {
      value: { id: string; verifiedPublisher: unknown }[];
    };
    expect(list.value).toHaveLength(1);
    const sp = list.value[0]!;
    expect(sp.verifiedPublisher).toEqual({ displayName: null, verifiedPublisherId: null, addedDateTime: null });
    expect((await getJson(graph(`servicePrincipals/${sp.id}/oauth2PermissionGrants`), token)).body).toMatchObject({
      value: [{ consentType: 'Principal', principalId: victimId(), scope: BEC.consentApp.scope }],
    });
    const graphSp = (await getJson(graph(`servicePrincipals?$filter=appId eq '00000003-0000-0000-c000-000000000000'`), token)).body as {
      value: { id: string; appRoles: { id: string; value: string }[] }[];
    };
    const collector = (await getJson(graph(`servicePrincipals?$filter=appId eq '${COLLECTOR_APP_ID}'`), token)).body as { value: { id: string }[] };
    const assignments = (await getJson(graph(`servicePrincipals/${collector.value[0]!.id}/appRoleAssignments`), token)).body as {
      value: { appRoleId: string; resourceId: string }[];
    };
    const names = assignments.value
      .filter((a) => a.resourceId === graphSp.value[0]!.id)
      .map((a) => graphSp.value[0]!.appRoles.find((r) => r.id === a.appRoleId)?.value);
    expect(names.sort()).toEqual([...ROLES].sort());
    expect((await getJson(graph(`servicePrincipals/${sp.id}x`), token)).status).toBe(404);
    const deleted = await getJson(graph(`directory/deletedItems/microsoft.graph.servicePrincipal?$filter=appId eq '${BEC.deletedApp.appId}'`), token);
    expect(deleted.body).toMatchObject({ value: [{ displayName: BEC.deletedApp.displayName, deletedDateTime: '2024-05-03T00:00:00Z' }] });
    expect((await getJson(graph(`directory/deletedItems/${BEC.formerUser.id}`), token)).body).toMatchObject({
      '@odata.type': '#microsoft.graph.user',
      userPrincipalName: BEC.formerUser.upn,
    });
  });

  it('inbox rules and their folders; unknown mailbox and rule answer as Outlook does', async () => {
    const rules = (await getJson(graph(`users/${BEC.victimUpn}/mailFolders/inbox/messageRules`), token)).body as {
      value: { id: string; displayName: string; actions: Record<string, unknown> }[];
    };
    const rule = rules.value.find((r) => r.displayName === BEC.inboxRuleName)!;
    expect(rule.actions).toMatchObject({ delete: true, forwardTo: [{ emailAddress: { address: BEC.attackerMailbox } }] });
    expect((await getJson(graph(`users/${BEC.victimUpn}/mailFolders/inbox/messageRules/${encodeURIComponent(rule.id)}`), token)).body).toMatchObject({
      id: rule.id,
    });
    expect((await getJson(graph(`users/${BEC.victimUpn}/mailFolders/inbox/messageRules/AQAAAAAAAAA=`), token)).body).toMatchObject({
      error: { code: 'ErrorItemNotFound' },
    });
    expect((await getJson(graph('users/nobody@contoso.com/mailFolders/inbox/messageRules'), token)).body).toMatchObject({
      error: { code: 'ErrorInvalidUser' },
    });
    expect((await getJson(graph(`users/${BEC.victimUpn}/mailFolders/deleteditems`), token)).body).toMatchObject({ displayName: 'Deleted Items' });
  });

  it('/shares resolves an item URL to its driveItem; permissions list the anonymous link', async () => {
    const item = (await getJson(graph(`shares/${encodeSharingUrl(`${BEC.financeSite}/${BEC.financeFolder}`)}/driveItem`), token)).body as {
      id: string;
      name: string;
      folder?: unknown;
      parentReference: { driveId: string };
    };
    expect(item).toMatchObject({ name: 'Wire Transfers', folder: { childCount: 0 } });
    const perms = await getJson(graph(`drives/${item.parentReference.driveId}/items/${item.id}/permissions`), token);
    expect(perms.body).toMatchObject({ value: [{ roles: ['read'], link: { type: 'view', scope: 'anonymous' } }] });
    expect((await getJson(graph(`shares/${encodeSharingUrl(`${BEC.financeSite}/nothing`)}/driveItem`), token)).body).toMatchObject({
      error: { code: 'itemNotFound' },
    });
  });

  it("refuses without the permission, with each family's error", async () => {
    const weak = await tokenFor(FABRIKAM_ID, 'https://graph.microsoft.com/.default');
    expect((await getJson(graph('servicePrincipals'), weak)).body).toMatchObject({ error: { code: 'Authorization_RequestDenied' } });
    expect((await getJson(graph('users/x/mailFolders/inbox/messageRules'), weak)).body).toMatchObject({ error: { code: 'ErrorAccessDenied' } });
    expect((await getJson(graph('shares/u!aHR0cHM6Ly94/driveItem'), weak)).body).toMatchObject({ error: { code: 'accessDenied' } });
  });
});

describe('Exchange admin API InvokeCommand', () => {
  const invoke = (body: unknown, bearer = exchangeToken, tenant: string = CONTOSO.tenantId) =>
    getJson(`${sim.url}/adminapi/beta/${tenant}/InvokeCommand`, bearer, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('Get-TransportRule lists and finds by name or GUID', async () => {
    const all = await invoke({ CmdletInput: { CmdletName: 'Get-TransportRule', Parameters: {} } });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({
      'adminapi.warnings': [],
      value: [{ Name: BEC.transportRuleName, State: 'Enabled', Mode: 'Enforce', Priority: 0, BlindCopyTo: [BEC.bccMailbox] }],
    });
    const guid = (all.body as { value: { Guid: string }[] }).value[0]!.Guid;
    expect((await invoke({ CmdletInput: { CmdletName: 'Get-TransportRule', Parameters: { Identity: guid } } })).body).toMatchObject({
      value: [{ Name: BEC.transportRuleName }],
    });
  });

  it('answers errors in the admin API shape', async () => {
    const missing = await invoke({ CmdletInput: { CmdletName: 'Get-TransportRule', Parameters: { Identity: 'nope' } } });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      error: { details: [{ message: expect.stringContaining("ManagementObjectNotFoundException|The operation couldn't be performed because object 'nope'") }] },
    });
    expect((await invoke({ CmdletInput: { CmdletName: 'Remove-Mailbox' } })).status).toBe(400);
    expect((await invoke({}, token)).status).toBe(401);
    expect((await invoke({}, exchangeToken, FABRIKAM_ID)).status).toBe(401);
  });
});
