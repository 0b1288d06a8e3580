/**
 * msal-node and the Graph SDK in the test process itself against an https simulator, trusted
 * through NODE_EXTRA_CA_CERTS set by tls-global-setup.ts before the worker started.
 */
import { ConfidentialClientApplication } from '@azure/msal-node';
import { Client, PageIterator, type PageCollection } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphClientOptions, msalAuthorityOptions } from './client-options.ts';
import { startM365Simulator, type M365Simulator } from './index.ts';
import { CONTOSO, becScenario, collectorConsent } from './scenarios/index.ts';
import { COLLECTOR_APP_ID, COLLECTOR_SECRET, collectorApp } from '../../../test/helpers/m365-sim.ts';
import { simulatorTls } from './tls.ts';

let sim: M365Simulator;
beforeAll(async () => {
  sim = await startM365Simulator({
    tls: simulatorTls(),
    clock: { start: '2024-05-07T06:00:00Z', frozen: true },
    apps: [collectorApp()],
    tenants: [becScenario({ consents: [collectorConsent(COLLECTOR_APP_ID)] })],
  });
});
afterAll(() => sim.close());

describe('in-process https', () => {
  it('pages every user with the Graph SDK using an msal-node token', async () => {
    expect(sim.url.startsWith('https://127.0.0.1:')).toBe(true);
    const cca = new ConfidentialClientApplication({
      auth: { clientId: COLLECTOR_APP_ID, ...msalAuthorityOptions(sim.url, CONTOSO.tenantId), clientSecret: COLLECTOR_SECRET },
    });
    const client = Client.initWithMiddleware({
      authProvider: {
        getAccessToken: async () => (await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }))?.accessToken ?? '',
      },
      ...graphClientOptions(sim.url),
    });
    const upns: string[] = [];
    const first = (await client.api('/users').select(['id', 'userPrincipalName']).top(7).get()) as PageCollection;
    await new PageIterator(client, first, (u: { userPrincipalName: string }) => {
      upns.push(u.userPrincipalName);
      return true;
    }).iterate();
    expect(upns).toHaveLength(61);
    expect(new Set(upns).size).toBe(61);
  });
});
