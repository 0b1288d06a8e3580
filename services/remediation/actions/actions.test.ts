/**
 * Every remediation action against the Microsoft 365 simulator over https, through the one
 * Graph and Exchange client with msal-node tokens from a sealed tenant secret: the state change
 * each makes, that running it again changes nothing, undo restoring the state, the missing
 * permission said in plain words before anything is called, and Entra's refusal to touch an
 * administrator explained.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../crypto.ts';
import { createTokenProvider, type TenantAuth } from '../../microsoft/token-provider.ts';
import type { MicrosoftAccess } from '../../microsoft/graph-client.ts';
import { startM365Simulator, type M365Simulator } from '../../sim/m365/index.ts';
import { BEC, CONTOSO, FABRIKAM, baselineScenario, becScenario, collectorConsent } from '../../sim/m365/scenarios/index.ts';
import { COLLECTOR_APP_ID, COLLECTOR_SECRET, assignAppRole, collectorApp, requestToken } from '../../../test/helpers/m365-sim.ts';
import { simulatorTls } from '../../sim/m365/tls.ts';
import { actionContextFor, executeAction, undoAction } from '../execute.ts';
import { ACTIONS, ACTION_NAMES, RemediationError, temporaryPassword, type ActionContext } from './index.ts';

const REMEDIATION_ROLES = [
  'User.ReadWrite.All',
  'User.RevokeSessions.All',
  'UserAuthenticationMethod.ReadWrite.All',
  'IdentityRiskyUser.ReadWrite.All',
  'Files.ReadWrite.All',
  'Application.ReadWrite.All',
  'DelegatedPermissionGrant.ReadWrite.All',
  'AppRoleAssignment.ReadWrite.All',
  'TeamsAppInstallation.ReadWriteForTeam.All',
];
const TEAM_ID = '5f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e';
const FOLDER_URL = `${BEC.financeSite}/${BEC.financeFolder}`;
const secrets = createSecretBox(Buffer.alloc(32, 9));
/** The consented third-party app's own secret: it signs in as itself until it is disabled. */
const CONSENT_APP_SECRET = 'Mail~sync.pro-secret-value';

let sim: M365Simulator;
let ctx: ActionContext;
let readOnly: ActionContext;

const row = (tenantGuid: string): TenantAuth => ({
  tenantGuid,
  authMode: 'secret',
  clientId: COLLECTOR_APP_ID,
  credentialsEnc: secrets.seal(JSON.stringify({ clientSecret: COLLECTOR_SECRET })),
});

beforeAll(async () => {
  const consent = collectorConsent(COLLECTOR_APP_ID);
  const contoso = becScenario({
    users: 12,
    consents: [{ ...consent, roles: { ...consent.roles, graph: [...(consent.roles.graph ?? []), ...REMEDIATION_ROLES], exchange: ['Exchange.ManageAsApp'] } }],
  });
  // The consented app also signs in as itself, as the principal the story made (one per app in a tenant).
  const consentSp = contoso.directory!.servicePrincipals!.find((sp) => sp.appId === BEC.consentApp.appId)!;
  contoso.consents.push({ appId: BEC.consentApp.appId, servicePrincipalId: consentSp.id, roles: { graph: ['Mail.Read'] } });
  contoso.directory = {
    ...contoso.directory,
    teams: [
      {
        id: TEAM_ID,
        displayName: 'Finance',
        installedApps: [
          {
            id: 'installation-1',
            teamsApp: { id: 'teams-app-1', externalId: null, displayName: BEC.consentApp.displayName, distributionMethod: 'sideloaded' },
            teamsAppDefinition: {
              id: 'definition-1',
              teamsAppId: 'teams-app-1',
              displayName: BEC.consentApp.displayName,
              version: '1.0.0',
              azureADAppId: BEC.consentApp.appId,
            },
          },
        ],
      },
    ],
  };
  sim = await startM365Simulator({
    tls: simulatorTls(),
    clock: { start: '2024-05-08T06:00:00Z', frozen: true },
    apps: [collectorApp(), { appId: BEC.consentApp.appId, displayName: BEC.consentApp.displayName, secrets: [{ value: CONSENT_APP_SECRET }] }],
    tenants: [
      contoso,
      baselineScenario({
        users: 3,
        seed: 'fabrikam',
        tenant: { ...FABRIKAM },
        consents: [{ appId: COLLECTOR_APP_ID, roles: { graph: ['User.Read.All', 'Directory.Read.All'], exchange: ['Exchange.ManageAsApp'] } }],
      }),
    ],
  });
  const microsoft = {
    loginUrl: sim.url,
    graphUrl: sim.url,
    managementUrl: sim.url,
    exchangeUrl: sim.url,
    clientId: undefined,
    clientSecret: undefined,
    publisherId: undefined,
  };
  const access: MicrosoftAccess & { tokens: ReturnType<typeof createTokenProvider> } = {
    config: { microsoft },
    tokens: createTokenProvider({ microsoft }, secrets),
  };
  ctx = actionContextFor(access, row(CONTOSO.tenantId));
  readOnly = actionContextFor(access, row(FABRIKAM.tenantId));
}, 120_000);
afterAll(() => sim.close());

const tenant = () => sim.state.findTenant(CONTOSO.tenantId)!;
const userByUpn = (upn: string) => tenant().users.find((u) => u.userPrincipalName === upn)!;
const ordinaryUser = () =>
  tenant().users.find((u) => u.userPrincipalName !== BEC.victimUpn && u.mail && !tenant().directory.roleAssignments.some((a) => a.principalId === u.id))!;
const victimMailbox = () => tenant().directory.mailboxes.get(userByUpn(BEC.victimUpn).id.toLowerCase());
/** The Tenantwatch app's service principal in Contoso: the initiator Microsoft records for its writes. */
const appSpId = () => sim.state.servicePrincipalId(tenant(), tenant().consents.get(COLLECTOR_APP_ID.toLowerCase())!);
/** Unified audit log records of `operation` done by the app (what the next collection reads). */
const ualByApp = (operation: string) =>
  tenant()
    .blobs.flatMap((b) => b.records)
    .filter((r) => r.Operation === operation && r.UserId === `ServicePrincipal_${appSpId()}`);
/** Graph directory audits of `activity` initiated by the app. */
const directoryAuditsByApp = (activity: string) =>
  tenant()
    .directoryAudits.map((a) => a.value)
    .filter((a) => a.activityDisplayName === activity && a.initiatedBy.app?.appId === COLLECTOR_APP_ID);
const graphWrites = () => sim.state.requestLog.filter((r) => (r.api === 'graph' && r.method !== 'GET') || (r.api === 'exchange' && r.method === 'POST')).length;

describe('the registry', () => {
  it('has one action per API name, each with entity kinds, a permission and words', () => {
    expect(Object.keys(ACTIONS).sort()).toEqual([...ACTION_NAMES].sort());
    for (const [name, action] of Object.entries(ACTIONS)) {
      expect(action.name).toBe(name);
      expect(action.entityKinds.length).toBeGreaterThan(0);
      expect(action.permission.permission).toMatch(/^[A-Za-z.-]+$/);
      expect(action.title.length).toBeGreaterThan(3);
    }
  });

  it('makes temporary passwords Entra accepts, never twice the same', () => {
    const passwords = new Set(Array.from({ length: 200 }, () => temporaryPassword()));
    expect(passwords.size).toBe(200);
    for (const p of passwords) {
      expect(p).toHaveLength(20);
      expect(p).toMatch(/[a-z]/);
      expect(p).toMatch(/[A-Z]/);
      expect(p).toMatch(/[0-9]/);
      expect(p).toMatch(/[^A-Za-z0-9]/);
    }
  });
});

describe('users', () => {
  it('blocks sign-in, is a no-op the second time, and undo unblocks', async () => {
    const user = ordinaryUser();
    const target = { kind: 'user' as const, key: user.userPrincipalName };
    const first = await executeAction(ctx, 'block-sign-in', target);
    expect(first.before).toMatchObject({ accountEnabled: true, userId: user.id });
    expect(first.outcome).toMatchObject({ alreadyDone: false, answer: { status: 204, accountEnabled: false } });
    expect(user.accountEnabled).toBe(false);
    expect(ualByApp('Disable account.').map((r) => r.ObjectId)).toContain(user.userPrincipalName);
    expect(ualByApp('Update user.').map((r) => r.ObjectId)).toContain(user.userPrincipalName);
    expect(directoryAuditsByApp('Disable account').flatMap((a) => a.targetResources.map((t) => t.userPrincipalName))).toContain(user.userPrincipalName);
    const writes = graphWrites();
    const again = await executeAction(ctx, 'block-sign-in', target);
    expect(again.outcome.alreadyDone).toBe(true);
    expect(graphWrites()).toBe(writes);
    expect((await undoAction(ctx, 'block-sign-in', target, first.before)).alreadyDone).toBe(false);
    expect(user.accountEnabled).toBe(true);
    expect(ualByApp('Enable account.').map((r) => r.ObjectId)).toContain(user.userPrincipalName);
  });

  it('explains Entra refusing to block an administrator, then blocks once the app holds the role', async () => {
    const target = { kind: 'user' as const, key: BEC.victimUpn };
    const error = await executeAction(ctx, 'block-sign-in', target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemediationError);
    expect(error).toMatchObject({ kind: 'refused' });
    expect((error as Error).message).toContain(`Microsoft Entra refused to block sign-in for ${BEC.victimUpn}: the user holds the Exchange Administrator role`);
    expect((error as Error).message).toContain('Privileged Authentication Administrator');
    expect(userByUpn(BEC.victimUpn).accountEnabled).toBe(true);
    // Resetting the administrator's password is refused the same way, and explained the same way.
    const reset = await executeAction(ctx, 'reset-password', target).catch((e: unknown) => e);
    expect(reset).toMatchObject({ kind: 'refused' });
    expect((reset as Error).message).toContain(
      `Microsoft Entra refused to reset the password of ${BEC.victimUpn}: the user holds the Exchange Administrator role`,
    );
    expect(userByUpn(BEC.victimUpn).lastPasswordChangeDateTime ?? null).not.toBe('2024-05-08T06:00:00Z');
    assignAppRole(sim, CONTOSO.tenantId, COLLECTOR_APP_ID, 'Privileged Authentication Administrator');
    await executeAction(ctx, 'block-sign-in', target);
    expect(userByUpn(BEC.victimUpn).accountEnabled).toBe(false);
  });

  it('revokes sessions', async () => {
    const user = ordinaryUser();
    const { outcome } = await executeAction(ctx, 'revoke-sessions', { kind: 'user', key: user.userPrincipalName });
    expect(outcome.answer).toMatchObject({ value: true });
    expect(user.signInSessionsValidFromDateTime).toBe('2024-05-08T06:00:00Z');
    const update = ualByApp('Update user.').filter((r) => r.ObjectId === user.userPrincipalName);
    expect(update.flatMap((r) => (r.ModifiedProperties as { Name: string }[]).map((m) => m.Name))).toContain('StsRefreshTokensValidFrom');
  });

  it('resets the password with a temporary one changed at next sign-in, kept out of the answer', async () => {
    const user = ordinaryUser();
    const { outcome } = await executeAction(ctx, 'reset-password', { kind: 'user', key: user.userPrincipalName });
    expect(outcome.temporaryPassword).toHaveLength(20);
    expect(JSON.stringify(outcome.answer)).not.toContain(outcome.temporaryPassword!);
    expect(user.passwordProfile).toMatchObject({ forceChangePasswordNextSignIn: true });
    expect(user.lastPasswordChangeDateTime).toBe('2024-05-08T06:00:00Z');
    expect(ualByApp('Reset user password.').map((r) => r.ObjectId)).toContain(user.userPrincipalName);
    expect(JSON.stringify(tenant().blobs.flatMap((b) => b.records))).not.toContain(outcome.temporaryPassword!);
  });

  it('requires MFA re-registration: every method but the password deleted, the default last', async () => {
    const victim = userByUpn(BEC.victimUpn);
    const { before, outcome } = await executeAction(ctx, 'require-mfa-reregistration', { kind: 'user', key: BEC.victimUpn });
    expect((before.methods as unknown[]).length).toBeGreaterThan(0);
    expect((outcome.answer.deleted as string[]).length).toBe((before.methods as unknown[]).length);
    expect(tenant().directory.registrationDetails.find((r) => r.id === victim.id)).toMatchObject({ isMfaRegistered: false });
    expect(
      directoryAuditsByApp('Admin deleted security info').filter((a) => a.targetResources.some((t) => t.userPrincipalName === BEC.victimUpn)),
    ).toHaveLength((before.methods as unknown[]).length);
    expect((await executeAction(ctx, 'require-mfa-reregistration', { kind: 'user', key: BEC.victimUpn })).outcome.alreadyDone).toBe(true);
  });

  it('confirms a compromise, then dismisses the risk', async () => {
    const confirmed = await executeAction(ctx, 'confirm-compromised', { kind: 'user', key: BEC.victimUpn });
    expect(confirmed.outcome.answer).toMatchObject({ riskState: 'confirmedCompromised', riskLevel: 'high' });
    expect((await executeAction(ctx, 'confirm-compromised', { kind: 'user', key: BEC.victimUpn })).outcome.alreadyDone).toBe(true);
    const dismissed = await executeAction(ctx, 'dismiss-user-risk', { kind: 'user', key: BEC.victimUpn });
    expect(dismissed.outcome.answer).toMatchObject({ riskState: 'dismissed', riskLevel: 'none' });
    // Identity Protection keeps who did it in the risky user's history (the riskyUsers feed shows the new state).
    const history = tenant().directory.riskyUserHistory.get(userByUpn(BEC.victimUpn).id.toLowerCase()) ?? [];
    expect(history.filter((h) => h.initiatedBy === appSpId()).map((h) => h.riskState)).toEqual(['confirmedCompromised', 'dismissed']);
  });
});

describe('mail', () => {
  const rule = { kind: 'inbox_rule' as const, key: `${BEC.victimUpn}\\${BEC.inboxRuleName}` };
  const rulesOfVictim = () => tenant().directory.messageRules.get(userByUpn(BEC.victimUpn).id.toLowerCase()) ?? [];

  it('disables the inbox rule, undo enables it, then deletes it (a second delete is a no-op)', async () => {
    const { before, outcome } = await executeAction(ctx, 'disable-inbox-rule', rule);
    expect(before).toMatchObject({ name: BEC.inboxRuleName, enabled: true });
    expect(outcome.answer).toMatchObject({ cmdlet: 'Disable-InboxRule', enabled: false });
    expect(rulesOfVictim().find((r) => r.displayName === BEC.inboxRuleName)?.isEnabled).toBe(false);
    expect(ualByApp('Disable-InboxRule')).toHaveLength(1);
    await undoAction(ctx, 'disable-inbox-rule', rule, before);
    expect(ualByApp('Enable-InboxRule')).toHaveLength(1);
    expect(rulesOfVictim().find((r) => r.displayName === BEC.inboxRuleName)?.isEnabled).toBe(true);

    await executeAction(ctx, 'delete-inbox-rule', rule);
    expect(rulesOfVictim().some((r) => r.displayName === BEC.inboxRuleName)).toBe(false);
    expect((await executeAction(ctx, 'delete-inbox-rule', rule)).outcome.alreadyDone).toBe(true);
    expect(ualByApp('Remove-InboxRule')).toHaveLength(1);
  });

  it('removes mailbox forwarding and undo restores it', async () => {
    const target = { kind: 'mailbox' as const, key: BEC.victimUpn };
    const { before } = await executeAction(ctx, 'remove-mailbox-forwarding', target);
    expect(before).toMatchObject({ ForwardingSmtpAddress: `smtp:${BEC.attackerMailbox}` });
    expect(victimMailbox()?.ForwardingSmtpAddress ?? null).toBeNull();
    expect(ualByApp('Set-Mailbox')).toHaveLength(1);
    expect((await executeAction(ctx, 'remove-mailbox-forwarding', target)).outcome.alreadyDone).toBe(true);
    await undoAction(ctx, 'remove-mailbox-forwarding', target, before);
    expect(victimMailbox()?.ForwardingSmtpAddress).toBe(`smtp:${BEC.attackerMailbox}`);
  });

  it('disables the mail flow rule, undo enables it, then removes it', async () => {
    const target = { kind: 'mail_flow_rule' as const, key: BEC.transportRuleName };
    const byName = () => tenant().directory.transportRules.find((r) => r.Name === BEC.transportRuleName);
    const { before } = await executeAction(ctx, 'disable-mail-flow-rule', target);
    expect(byName()?.State).toBe('Disabled');
    await undoAction(ctx, 'disable-mail-flow-rule', target, before);
    expect(byName()?.State).toBe('Enabled');
    await executeAction(ctx, 'remove-mail-flow-rule', target);
    expect(byName()).toBeUndefined();
    for (const cmdlet of ['Disable-TransportRule', 'Enable-TransportRule', 'Remove-TransportRule']) expect(ualByApp(cmdlet), cmdlet).toHaveLength(1);
    expect((await executeAction(ctx, 'remove-mail-flow-rule', target)).outcome.alreadyDone).toBe(true);
  });
});

describe('files and apps', () => {
  it('removes the anonymous link of the shared folder', async () => {
    const { outcome } = await executeAction(ctx, 'remove-anonymous-link', { kind: 'link', key: FOLDER_URL });
    expect((outcome.answer.removed as string[]).length).toBe(1);
    const folder = tenant()
      .directory.drives.flatMap((d) => d.items)
      .find((i) => i.name === 'Wire Transfers')!;
    expect(folder.permissions.some((p) => p.link?.scope === 'anonymous')).toBe(false);
    expect(ualByApp('AnonymousLinkRemoved').map((r) => r.SourceFileName)).toEqual(['Wire Transfers']);
    expect((await executeAction(ctx, 'remove-anonymous-link', { kind: 'link', key: FOLDER_URL })).outcome.alreadyDone).toBe(true);
  });

  it('disables the app (it then gets no tokens) and undo enables it', async () => {
    const target = { kind: 'app' as const, key: BEC.consentApp.appId };
    const sp = () => tenant().directory.servicePrincipals.find((s) => s.appId === BEC.consentApp.appId)!;
    const token = () =>
      requestToken(sim, CONTOSO.tenantId, {
        grant_type: 'client_credentials',
        client_id: BEC.consentApp.appId,
        client_secret: CONSENT_APP_SECRET,
        scope: 'https://graph.microsoft.com/.default',
      });
    expect((await token()).status).toBe(200);
    const { before } = await executeAction(ctx, 'disable-app', target);
    expect(sp().accountEnabled).toBe(false);
    expect(ualByApp('Update service principal.')).toHaveLength(1);
    const refused = await token();
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'unauthorized_client', error_codes: [7000112] });
    await undoAction(ctx, 'disable-app', target, before);
    expect(sp().accountEnabled).toBe(true);
    expect((await token()).status).toBe(200);
  });

  it("revokes the app's consent: delegated grants and application permissions", async () => {
    for (const app of [BEC.consentApp.appId, BEC.backupApp.appId]) {
      const spId = tenant().directory.servicePrincipals.find((s) => s.appId === app)!.id;
      const { before } = await executeAction(ctx, 'revoke-app-consent', { kind: 'app', key: app });
      expect((before.grants as unknown[]).length + (before.appRoleAssignments as unknown[]).length).toBeGreaterThan(0);
      expect(tenant().directory.oauth2PermissionGrants.filter((g) => g.clientId === spId)).toEqual([]);
      expect(tenant().directory.appRoleAssignments.filter((a) => a.principalId === spId)).toEqual([]);
    }
    expect(ualByApp('Remove delegated permission grant.').length).toBeGreaterThan(0);
    expect(ualByApp('Remove app role assignment from service principal.').length).toBeGreaterThan(0);
  });

  it('removes the Teams app from the teams it is installed in', async () => {
    const { outcome } = await executeAction(ctx, 'remove-teams-app', { kind: 'app', key: BEC.consentApp.appId });
    expect(outcome.answer).toMatchObject({ removedFrom: ['Finance'] });
    expect(tenant().directory.teams[0]?.installedApps).toEqual([]);
    expect(ualByApp('AppUninstalled')).toMatchObject([{ TeamName: 'Finance', AzureADAppId: BEC.consentApp.appId }]);
  });
});

describe('refusals before any change', () => {
  it('says which permission the tenant has not granted, and calls nothing', async () => {
    const writes = graphWrites();
    const error = await executeAction(readOnly, 'block-sign-in', { kind: 'user', key: 'anyone@fabrikam.com' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'permission' });
    expect((error as Error).message).toBe(
      'Block sign-in needs the User.ReadWrite.All application permission (Microsoft Graph), and this tenant has not granted User.ReadWrite.All to the Tenantwatch app. An administrator of the tenant can grant it with admin consent; nothing was changed.',
    );
    expect(graphWrites()).toBe(writes);
  });

  it('refuses an action on an entity kind it does not apply to', async () => {
    await expect(executeAction(ctx, 'disable-inbox-rule', { kind: 'user', key: BEC.victimUpn })).rejects.toMatchObject({ kind: 'unsupported' });
  });
});
