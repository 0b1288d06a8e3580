import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { M365Simulator } from '../index.ts';
import { startM365Simulator } from '../index.ts';
import { BEC, CONTOSO, becScenario, collectorConsent } from '../scenarios/index.ts';
import { encodeSharingUrl } from '../directory.ts';
import { WELL_KNOWN_METHOD_IDS } from '../authentication-methods.ts';
import { COLLECTOR_APP_ID, COLLECTOR_SECRET, assignAppRole, collectorApp, getJson, requestToken } from '../../../../test/helpers/m365-sim.ts';

/** The app remediation runs as: the collector's read permissions plus the write permissions its actions need. */
const REMEDIATION_ROLES = [
  ...(collectorConsent(COLLECTOR_APP_ID).roles.graph ?? []),
  'Application.Read.All',
  'User.ReadWrite.All',
  'User.RevokeSessions.All',
  'UserAuthenticationMethod.ReadWrite.All',
  'MailboxSettings.ReadWrite',
  'Files.ReadWrite.All',
  'Application.ReadWrite.All',
  'DelegatedPermissionGrant.ReadWrite.All',
  'AppRoleAssignment.ReadWrite.All',
  'IdentityRiskyUser.ReadWrite.All',
];
/** A second app with only the collector's read permissions. */
const READER = { appId: '6d2e1f0a-9b8c-4d7e-8f6a-5b4c3d2e1f0a', secret: 'Sim~Reader.secret-value' };
const NOW = '2024-05-08T06:00:00Z';

let sim: M365Simulator;
let token: string;
let readerToken: string;
let exchangeToken: string;

async function tokenFor(appId: string, secret: string, scope = 'https://graph.microsoft.com/.default'): Promise<string> {
  const { body } = await requestToken(sim, CONTOSO.tenantId, { grant_type: 'client_credentials', client_id: appId, client_secret: secret, scope });
  return String(body.access_token);
}

beforeAll(async () => {
  sim = await startM365Simulator({
    clock: { start: NOW, frozen: true },
    apps: [collectorApp(), { appId: READER.appId, displayName: 'Read-only collector', secrets: [{ value: READER.secret }] }],
    tenants: [
      becScenario({
        users: 20,
        consents: [
          { appId: COLLECTOR_APP_ID, roles: { graph: REMEDIATION_ROLES, exchange: ['Exchange.ManageAsApp'] } },
          { ...collectorConsent(READER.appId), roles: { graph: [...(collectorConsent(READER.appId).roles.graph ?? []), 'Application.Read.All'] } },
        ],
      }),
    ],
  });
  // The bec victim is an Exchange Administrator: Entra lets an app change an admin's sign-in only with an admin role of its own.
  assignAppRole(sim, CONTOSO.tenantId, COLLECTOR_APP_ID, 'Privileged Authentication Administrator');
  token = await tokenFor(COLLECTOR_APP_ID, COLLECTOR_SECRET);
  readerToken = await tokenFor(READER.appId, READER.secret);
  exchangeToken = await tokenFor(COLLECTOR_APP_ID, COLLECTOR_SECRET, 'https://outlook.office365.com/.default');
});
afterAll(() => sim.close());

const graph = (path: string): string => `${sim.url}/v1.0/${path}`;
const send = (method: string, path: string, body?: unknown, bearer = token) =>
  getJson(graph(path), bearer, { method, ...(body !== undefined ? { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) } : {}) });
const control = async (path: string): Promise<Record<string, unknown>> =>
  (await (await fetch(`${sim.url}/_sim/tenants/${CONTOSO.tenantId}${path}`)).json()) as Record<string, unknown>;
const tenant = () => sim.state.findTenant(CONTOSO.tenantId)!;
const victim = () => tenant().users.find((u) => u.userPrincipalName === BEC.victimUpn)!;
const exchange = (CmdletName: string, Parameters: Record<string, unknown>) =>
  getJson(`${sim.url}/adminapi/beta/${CONTOSO.tenantId}/InvokeCommand`, exchangeToken, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ CmdletInput: { CmdletName, Parameters } }),
  });
const UNKNOWN_ID = '00000000-1111-4222-8333-444444444444';

describe('users: block sign-in, reset password, revoke sessions', () => {
  it('blocks and unblocks sign-in; the write is in the request log', async () => {
    const target = tenant().users[5]!;
    const blocked = await send('PATCH', `users/${target.userPrincipalName}`, { accountEnabled: false });
    expect(blocked.status).toBe(204);
    expect(blocked.text).toBe('');
    expect((await send('GET', `users/${target.id}?$select=id,accountEnabled`)).body).toMatchObject({ id: target.id, accountEnabled: false });
    expect(((await control(`/users/${target.id}`)).user as { accountEnabled: boolean }).accountEnabled).toBe(false);
    expect((await send('PATCH', `users/${target.id}`, { accountEnabled: true })).status).toBe(204);
    expect((await send('GET', `users/${target.id}?$select=accountEnabled`)).body).toMatchObject({ accountEnabled: true });
    const log = sim.state.requestLog.filter((r) => r.method === 'PATCH' && r.path === `/v1.0/users/${target.userPrincipalName}`);
    expect(log).toMatchObject([{ api: 'graph', status: 204, tenantId: CONTOSO.tenantId, appId: COLLECTOR_APP_ID }]);
  });

  it('resets a password: weak ones are refused, a strong one updates lastPasswordChangeDateTime and the session validity', async () => {
    const target = tenant().users[6]!;
    const before = target.lastPasswordChangeDateTime;
    for (const weak of ['short1A', 'alllowercaseletters', 'NoDigitsOrSymbols', 'café-Paßwort-1']) {
      const refused = await send('PATCH', `users/${target.id}`, { passwordProfile: { password: weak, forceChangePasswordNextSignIn: true } });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({
        error: {
          code: 'Request_BadRequest',
          message: 'The specified password does not comply with password complexity requirements. Please provide a different password.',
        },
      });
    }
    expect(target.lastPasswordChangeDateTime).toBe(before);
    const reset = await send('PATCH', `users/${target.id}`, { passwordProfile: { password: 'Tw!ce-Brewed-Coffee-42', forceChangePasswordNextSignIn: true } });
    expect(reset.status).toBe(204);
    const read = await send('GET', `users/${target.id}?$select=lastPasswordChangeDateTime,passwordProfile,signInSessionsValidFromDateTime`);
    expect(read.body).toMatchObject({
      lastPasswordChangeDateTime: '2024-05-08T06:00:00Z',
      signInSessionsValidFromDateTime: '2024-05-08T06:00:00Z',
      passwordProfile: { password: null, forceChangePasswordNextSignIn: true, forceChangePasswordNextSignInWithMfa: false },
    });
  });

  it('revokes sign-in sessions', async () => {
    const target = tenant().users[7]!;
    const revoked = await send('POST', `users/${target.id}/revokeSignInSessions`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ '@odata.context': `${sim.url}/v1.0/$metadata#Edm.Boolean`, value: true });
    expect((await send('GET', `users/${target.id}?$select=signInSessionsValidFromDateTime`)).body).toMatchObject({
      signInSessionsValidFromDateTime: '2024-05-08T06:00:00Z',
    });
    expect((await control(`/users/${target.userPrincipalName}`)).user).toMatchObject({ signInSessionsValidFromDateTime: '2024-05-08T06:00:00Z' });
  });

  it('refuses without the write permission and answers 404 for unknown users; rejects unknown properties', async () => {
    const target = tenant().users[8]!;
    for (const [method, path, body] of [
      ['PATCH', `users/${target.id}`, { accountEnabled: false }],
      ['PATCH', `users/${target.id}`, { passwordProfile: { password: 'Tw!ce-Brewed-Coffee-42' } }],
      ['POST', `users/${target.id}/revokeSignInSessions`, undefined],
    ] as const) {
      expect((await send(method, path, body, readerToken)).body).toMatchObject({
        error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' },
      });
      const missing = await send(method, path.replace(target.id, UNKNOWN_ID), body);
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ error: { code: 'Request_ResourceNotFound' } });
    }
    expect(target.accountEnabled).toBe(true);
    expect((await send('PATCH', `users/${target.id}`, { favouriteColour: 'blue' })).body).toMatchObject({
      error: { code: 'Request_BadRequest', message: expect.stringContaining("'favouriteColour' does not exist") },
    });
    expect((await send('PATCH', `users/${target.id}`, { accountEnabled: 'no' })).status).toBe(400);
  });
});

describe('authentication methods (require MFA re-registration)', () => {
  const admin = () => tenant().users.find((u) => u.jobTitle === 'IT Administrator')!;

  it('lists the methods registration details describe, in the typed collections too', async () => {
    const methods = (await send('GET', `users/${victim().id}/authentication/methods`)).body as { value: { '@odata.type': string; id: string }[] };
    expect(methods.value.map((m) => m['@odata.type'])).toEqual(['#microsoft.graph.passwordAuthenticationMethod', '#microsoft.graph.phoneAuthenticationMethod']);
    const phones = await send('GET', `users/${victim().userPrincipalName}/authentication/phoneMethods`);
    expect(phones.body).toMatchObject({
      value: [{ id: WELL_KNOWN_METHOD_IDS.mobile, phoneType: 'mobile', phoneNumber: expect.stringMatching(/^\+1 42555501\d\d$/) }],
    });
    expect((await send('GET', `users/${victim().id}/authentication/fido2Methods`)).body).toMatchObject({ value: [] });
    expect((await send('GET', `users/${victim().id}/authentication/phoneMethods/${WELL_KNOWN_METHOD_IDS.mobile}`)).body).toMatchObject({
      id: WELL_KNOWN_METHOD_IDS.mobile,
    });
  });

  it('deletes every MFA method, the default last, and the registration report follows', async () => {
    const user = admin();
    const listed = (await send('GET', `users/${user.id}/authentication/methods`)).body as { value: { '@odata.type': string; id: string }[] };
    const authenticator = listed.value.find((m) => m['@odata.type'] === '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod')!;
    const oath = listed.value.find((m) => m['@odata.type'] === '#microsoft.graph.softwareOathAuthenticationMethod')!;
    expect(authenticator && oath).toBeTruthy();

    // Authenticator push is the default: refused while the OATH code remains.
    const refused = await send('DELETE', `users/${user.id}/authentication/microsoftAuthenticatorMethods/${authenticator.id}`);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { message: expect.stringContaining('default') } });
    expect((await send('DELETE', `users/${user.id}/authentication/softwareOathMethods/${oath.id}`)).status).toBe(204);
    expect((await send('DELETE', `users/${user.id}/authentication/microsoftAuthenticatorMethods/${authenticator.id}`)).status).toBe(204);

    expect(((await send('GET', `users/${user.id}/authentication/methods`)).body as { value: unknown[] }).value).toEqual([
      expect.objectContaining({ '@odata.type': '#microsoft.graph.passwordAuthenticationMethod' }),
    ]);
    const report = await send('GET', `reports/authenticationMethods/userRegistrationDetails/${user.id}`);
    expect(report.body).toMatchObject({
      methodsRegistered: [],
      isMfaRegistered: false,
      isMfaCapable: false,
      userPreferredMethodForSecondaryAuthentication: 'none',
      lastUpdatedDateTime: '2024-05-08T06:00:00Z',
    });
    const state = await control(`/users/${user.id}`);
    expect((state.authenticationMethods as unknown[]).length).toBe(1);
    expect(state.registrationDetails).toMatchObject({ isMfaRegistered: false });
  });

  it('refuses the password method, unknown methods and users, and callers without the permission', async () => {
    const user = victim();
    expect((await send('DELETE', `users/${user.id}/authentication/passwordMethods/${WELL_KNOWN_METHOD_IDS.password}`)).status).toBe(400);
    expect((await send('DELETE', `users/${user.id}/authentication/phoneMethods/${UNKNOWN_ID}`)).status).toBe(404);
    expect((await send('DELETE', `users/${user.id}/authentication/fido2Methods/${WELL_KNOWN_METHOD_IDS.mobile}`)).status).toBe(404);
    expect((await send('DELETE', `users/${UNKNOWN_ID}/authentication/phoneMethods/${WELL_KNOWN_METHOD_IDS.mobile}`)).body).toMatchObject({
      error: { code: 'Request_ResourceNotFound' },
    });
    expect((await send('DELETE', `users/${user.id}/authentication/phoneMethods/${WELL_KNOWN_METHOD_IDS.mobile}`, undefined, readerToken)).body).toMatchObject({
      error: { code: 'Authorization_RequestDenied' },
    });
    expect((await send('GET', `users/${user.id}/authentication/methods`, undefined, readerToken)).status).toBe(403);
    // The only MFA method, though the default, can go.
    expect((await send('DELETE', `users/${user.id}/authentication/phoneMethods/${WELL_KNOWN_METHOD_IDS.mobile}`)).status).toBe(204);
    expect((await send('GET', `reports/authenticationMethods/userRegistrationDetails/${user.id}`)).body).toMatchObject({
      methodsRegistered: [],
      isMfaRegistered: false,
    });
  });
});

describe('inbox rules', () => {
  const rulesPath = () => `users/${BEC.victimUpn}/mailFolders/inbox/messageRules`;
  const forwardingRule = () =>
    tenant()
      .directory.messageRules.get(victim().id.toLowerCase())!
      .find((r) => r.displayName === BEC.inboxRuleName)!;

  it('disables the forwarding rule through Graph; Exchange sees it disabled; deleting removes it from both views', async () => {
    const id = forwardingRule().id;
    const patched = await send('PATCH', `${rulesPath()}/${encodeURIComponent(id)}`, { isEnabled: false });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id, isEnabled: false, displayName: BEC.inboxRuleName });
    expect((await send('GET', `${rulesPath()}/${encodeURIComponent(id)}`)).body).toMatchObject({ isEnabled: false });
    const viaExchange = await exchange('Get-InboxRule', { Mailbox: BEC.victimUpn, Identity: BEC.inboxRuleName });
    expect(viaExchange.body).toMatchObject({
      value: [{ Name: BEC.inboxRuleName, Enabled: false, DeleteMessage: true, ForwardTo: [`"${BEC.attackerMailbox}" [SMTP:${BEC.attackerMailbox}]`] }],
    });

    expect((await send('DELETE', `${rulesPath()}/${encodeURIComponent(id)}`)).status).toBe(204);
    const remaining = (await send('GET', rulesPath())).body as { value: { id: string }[] };
    expect(remaining.value.map((r) => r.id)).not.toContain(id);
    expect((await exchange('Get-InboxRule', { Mailbox: BEC.victimUpn, Identity: BEC.inboxRuleName })).status).toBe(404);
    expect(((await control(`/users/${victim().id}`)).messageRules as { id: string }[]).map((r) => r.id)).not.toContain(id);
    expect((await send('DELETE', `${rulesPath()}/${encodeURIComponent(id)}`)).body).toMatchObject({ error: { code: 'ErrorItemNotFound' } });
  });

  it('refuses without MailboxSettings.ReadWrite, unknown rules and read-only properties', async () => {
    const someone = [...tenant().directory.messageRules.entries()].find(([userId, rules]) => userId !== victim().id.toLowerCase() && rules.length > 0)!;
    const [userId, [rule]] = someone as [string, { id: string }[]];
    const path = `users/${userId}/mailFolders/inbox/messageRules/${encodeURIComponent(rule!.id)}`;
    expect((await send('PATCH', path, { isEnabled: false }, readerToken)).body).toMatchObject({ error: { code: 'ErrorAccessDenied' } });
    expect((await send('DELETE', path, undefined, readerToken)).status).toBe(403);
    expect((await send('PATCH', `users/${userId}/mailFolders/inbox/messageRules/AQAAAAAAAAA=`, { isEnabled: false })).body).toMatchObject({
      error: { code: 'ErrorItemNotFound' },
    });
    expect((await send('PATCH', path, { hasError: true })).body).toMatchObject({ error: { code: 'RequestBodyRead' } });
    expect((await send('PATCH', path, { isEnabled: 'false' })).status).toBe(400);
    expect((await send('GET', path)).body).toMatchObject({ isEnabled: true });
  });
});

describe('sharing links, apps, grants', () => {
  it('deletes the anonymous link on the wire transfer folder', async () => {
    const url = `${BEC.financeSite}/${BEC.financeFolder}`;
    const item = (await send('GET', `shares/${encodeSharingUrl(url)}/driveItem`)).body as { id: string; parentReference: { driveId: string } };
    const permsPath = `drives/${item.parentReference.driveId}/items/${item.id}/permissions`;
    const [link] = ((await send('GET', permsPath)).body as { value: { id: string; link: { webUrl: string } }[] }).value;
    expect((await send('DELETE', `${permsPath}/${link!.id}`, undefined, readerToken)).body).toMatchObject({ error: { code: 'accessDenied' } });
    expect((await send('DELETE', `${permsPath}/${UNKNOWN_ID}`)).body).toMatchObject({ error: { code: 'itemNotFound' } });
    expect((await send('DELETE', `${permsPath}/${link!.id}`)).status).toBe(204);
    expect((await send('GET', permsPath)).body).toMatchObject({ value: [] });
    expect((await send('GET', `${permsPath}/${link!.id}`)).status).toBe(404);
    expect((await send('GET', `shares/${encodeSharingUrl(link!.link.webUrl)}/driveItem`)).body).toMatchObject({ error: { code: 'itemNotFound' } });
    expect(((await control(`/drives/${item.parentReference.driveId}/items/${item.id}`)).item as { permissions: unknown[] }).permissions).toEqual([]);
  });

  it('disables the consented app and revokes its delegated grant', async () => {
    const sp = ((await send('GET', `servicePrincipals?$filter=appId eq '${BEC.consentApp.appId}'`)).body as { value: { id: string }[] }).value[0]!;
    expect((await send('PATCH', `servicePrincipals/${sp.id}`, { accountEnabled: false }, readerToken)).body).toMatchObject({
      error: { code: 'Authorization_RequestDenied' },
    });
    expect((await send('PATCH', `servicePrincipals/${UNKNOWN_ID}`, { accountEnabled: false })).body).toMatchObject({
      error: { code: 'Request_ResourceNotFound' },
    });
    expect((await send('PATCH', `servicePrincipals/${sp.id}`, { accountEnabled: false })).status).toBe(204);
    expect((await send('GET', `servicePrincipals/${sp.id}`)).body).toMatchObject({ id: sp.id, accountEnabled: false });

    const grants = (await send('GET', `servicePrincipals/${sp.id}/oauth2PermissionGrants`)).body as { value: { id: string }[] };
    const grantId = grants.value[0]!.id;
    expect((await send('DELETE', `oauth2PermissionGrants/${grantId}`, undefined, readerToken)).body).toMatchObject({
      error: { code: 'Authorization_RequestDenied' },
    });
    expect((await send('DELETE', `oauth2PermissionGrants/${UNKNOWN_ID}`)).body).toMatchObject({ error: { code: 'Request_ResourceNotFound' } });
    expect((await send('DELETE', `oauth2PermissionGrants/${grantId}`)).status).toBe(204);
    expect((await send('GET', `servicePrincipals/${sp.id}/oauth2PermissionGrants`)).body).toMatchObject({ value: [] });
    expect((await send('GET', `oauth2PermissionGrants/${grantId}`)).status).toBe(404);
    expect(await control(`/servicePrincipals/${sp.id}`)).toMatchObject({ servicePrincipal: { accountEnabled: false }, oauth2PermissionGrants: [] });
  });

  it("removes an app's application permission from the Microsoft Graph side", async () => {
    const graphSp = ((await send('GET', "servicePrincipals?$filter=appId eq '00000003-0000-0000-c000-000000000000'")).body as { value: { id: string }[] })
      .value[0]!;
    const backup = ((await send('GET', `servicePrincipals?$filter=appId eq '${BEC.backupApp.appId}'`)).body as { value: { id: string }[] }).value[0]!;
    const assigned = (await send('GET', `servicePrincipals/${graphSp.id}/appRoleAssignedTo`)).body as { value: { id: string; principalId: string }[] };
    const target = assigned.value.find((a) => a.principalId === backup.id)!;
    const path = `servicePrincipals/${graphSp.id}/appRoleAssignedTo/${target.id}`;
    expect((await send('DELETE', path, undefined, readerToken)).body).toMatchObject({ error: { code: 'Authorization_RequestDenied' } });
    expect((await send('DELETE', `servicePrincipals/${graphSp.id}/appRoleAssignedTo/${UNKNOWN_ID}`)).body).toMatchObject({
      error: { code: 'Request_ResourceNotFound' },
    });
    expect((await send('DELETE', path)).status).toBe(204);
    expect(((await send('GET', `servicePrincipals/${backup.id}/appRoleAssignments`)).body as { value: { id: string }[] }).value.map((a) => a.id)).not.toContain(
      target.id,
    );
    expect(((await control(`/servicePrincipals/${backup.id}`)).appRoleAssignments as unknown[]).length).toBe(1);
    // The principal's side deletes the other one.
    const other = ((await send('GET', `servicePrincipals/${backup.id}/appRoleAssignments`)).body as { value: { id: string }[] }).value[0]!;
    expect((await send('DELETE', `servicePrincipals/${backup.id}/appRoleAssignments/${other.id}`)).status).toBe(204);
    expect((await send('GET', `servicePrincipals/${backup.id}/appRoleAssignments`)).body).toMatchObject({ value: [] });
  });
});

describe('Identity Protection', () => {
  it('confirms the victim compromised, then dismisses; state, detections and history follow', async () => {
    const id = victim().id;
    expect((await send('POST', 'identityProtection/riskyUsers/confirmCompromised', { userIds: [id] }, readerToken)).body).toMatchObject({
      error: { code: 'accessDenied' },
    });
    expect((await send('POST', 'identityProtection/riskyUsers/confirmCompromised', { userIds: [UNKNOWN_ID] })).status).toBe(404);
    expect((await send('POST', 'identityProtection/riskyUsers/dismiss', { userIds: [] })).status).toBe(400);

    const confirmed = await send('POST', 'identityProtection/riskyUsers/confirmCompromised', { userIds: [id] });
    expect(confirmed.status).toBe(204);
    expect((await send('GET', `identityProtection/riskyUsers/${id}`)).body).toMatchObject({
      riskState: 'confirmedCompromised',
      riskLevel: 'high',
      riskDetail: 'adminConfirmedUserCompromised',
      riskLastUpdatedDateTime: '2024-05-08T06:00:00Z',
    });
    const detections = (await send('GET', `identityProtection/riskDetections?$filter=userId eq '${id}'`)).body as { value: { riskEventType: string }[] };
    expect(detections.value.map((d) => d.riskEventType)).toContain('adminConfirmedUserCompromised');

    expect((await send('POST', 'identityProtection/riskyUsers/dismiss', { userIds: [id] })).status).toBe(204);
    expect((await send('GET', `identityProtection/riskyUsers?$filter=riskState eq 'dismissed'`)).body).toMatchObject({
      value: [{ id, riskLevel: 'none', riskDetail: 'adminDismissedAllRiskForUser' }],
    });
    const history = (await send('GET', `identityProtection/riskyUsers/${id}/history`)).body as {
      value: { riskState: string; initiatedBy: string | null; activity: { detail: string } }[];
    };
    expect(history.value.map((h) => [h.riskState, h.activity.detail])).toEqual([
      ['atRisk', 'none'],
      ['confirmedCompromised', 'adminConfirmedUserCompromised'],
      ['dismissed', 'adminDismissedAllRiskForUser'],
    ]);
    expect(history.value[2]!.initiatedBy).toBe(tenant().directory.servicePrincipals.find((s) => s.appId === COLLECTOR_APP_ID)!.id);
    expect(await control(`/users/${id}`)).toMatchObject({ riskyUser: { riskState: 'dismissed' }, riskyUserHistory: [{}, {}, {}] });
  });
});
