/**
 * Remediation writes made the way the product makes them: the Graph SDK with an msal-node
 * token, against the simulator over https (trusted through tls-global-setup.ts).
 */
import { ConfidentialClientApplication } from '@azure/msal-node';
import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphClientOptions, msalAuthorityOptions } from './client-options.ts';
import { startM365Simulator, type M365Simulator } from './index.ts';
import { BEC, CONTOSO, becScenario, collectorConsent } from './scenarios/index.ts';
import { COLLECTOR_APP_ID, COLLECTOR_SECRET, assignAppRole, collectorApp } from '../../../test/helpers/m365-sim.ts';
import { simulatorTls } from './tls.ts';

const WRITE_ROLES = ['User.ReadWrite.All', 'MailboxSettings.ReadWrite', 'IdentityRiskyUser.ReadWrite.All', 'UserAuthenticationMethod.ReadWrite.All'];

let sim: M365Simulator;
let client: Client;
beforeAll(async () => {
  const consent = collectorConsent(COLLECTOR_APP_ID);
  sim = await startM365Simulator({
    tls: simulatorTls(),
    clock: { start: '2024-05-07T06:00:00Z', frozen: true },
    apps: [collectorApp()],
    tenants: [becScenario({ users: 10, consents: [{ ...consent, roles: { ...consent.roles, graph: [...(consent.roles.graph ?? []), ...WRITE_ROLES] } }] })],
  });
  assignAppRole(sim, CONTOSO.tenantId, COLLECTOR_APP_ID, 'Privileged Authentication Administrator');
  const cca = new ConfidentialClientApplication({
    auth: { clientId: COLLECTOR_APP_ID, ...msalAuthorityOptions(sim.url, CONTOSO.tenantId), clientSecret: COLLECTOR_SECRET },
  });
  client = Client.initWithMiddleware({
    authProvider: {
      getAccessToken: async () => (await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }))?.accessToken ?? '',
    },
    ...graphClientOptions(sim.url),
  });
});
afterAll(() => sim.close());

describe('remediation with the Graph SDK', () => {
  it('blocks sign-in, revokes sessions, disables and deletes the inbox rule, re-registers MFA and confirms the compromise', async () => {
    const victim = (await client.api(`/users/${BEC.victimUpn}`).select(['id', 'accountEnabled']).get()) as { id: string; accountEnabled: boolean };
    expect(victim.accountEnabled).toBe(true);

    await client.api(`/users/${victim.id}`).patch({ accountEnabled: false });
    expect(await client.api(`/users/${victim.id}`).select(['accountEnabled']).get()).toMatchObject({ accountEnabled: false });

    expect(await client.api(`/users/${victim.id}/revokeSignInSessions`).post({})).toMatchObject({ value: true });

    const rules = (await client.api(`/users/${victim.id}/mailFolders/inbox/messageRules`).get()) as { value: { id: string; displayName: string }[] };
    const rule = rules.value.find((r) => r.displayName === BEC.inboxRuleName)!;
    expect(await client.api(`/users/${victim.id}/mailFolders/inbox/messageRules/${encodeURIComponent(rule.id)}`).patch({ isEnabled: false })).toMatchObject({
      isEnabled: false,
    });
    await client.api(`/users/${victim.id}/mailFolders/inbox/messageRules/${encodeURIComponent(rule.id)}`).delete();
    const error = (await client
      .api(`/users/${victim.id}/mailFolders/inbox/messageRules/${encodeURIComponent(rule.id)}`)
      .get()
      .catch((e: unknown) => e)) as GraphError;
    expect(error).toBeInstanceOf(GraphError);
    expect(error).toMatchObject({ statusCode: 404, code: 'ErrorItemNotFound' });

    const phones = (await client.api(`/users/${victim.id}/authentication/phoneMethods`).get()) as { value: { id: string }[] };
    for (const phone of phones.value) await client.api(`/users/${victim.id}/authentication/phoneMethods/${phone.id}`).delete();
    expect(await client.api(`/reports/authenticationMethods/userRegistrationDetails/${victim.id}`).get()).toMatchObject({ isMfaRegistered: false });

    await client.api('/identityProtection/riskyUsers/confirmCompromised').post({ userIds: [victim.id] });
    expect(await client.api(`/identityProtection/riskyUsers/${victim.id}`).get()).toMatchObject({ riskState: 'confirmedCompromised', riskLevel: 'high' });

    const weak = (await client
      .api(`/users/${victim.id}`)
      .patch({ passwordProfile: { password: 'password', forceChangePasswordNextSignIn: true } })
      .catch((e: unknown) => e)) as GraphError;
    expect(weak).toMatchObject({ statusCode: 400, code: 'Request_BadRequest' });

    const writes = sim.state.requestLog.filter((r) => r.api === 'graph' && r.method !== 'GET').map((r) => `${r.method} ${r.status}`);
    expect(writes).toEqual(['PATCH 204', 'POST 200', 'PATCH 200', 'DELETE 204', 'DELETE 204', 'POST 204', 'PATCH 400']);
  });
});
