/**
 * The real @azure/msal-node against the simulator over plain http, using the options in
 * client-options.ts (authorityMetadata with http endpoints). No network client is replaced.
 */
import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { msalAuthorityOptions } from './client-options.ts';
import type { M365Simulator } from './index.ts';
import { COLLECTOR_APP_ID, COLLECTOR_SECRET, CONTOSO_ID, collectorCertificate, getJson, startTestSim } from '../../../test/helpers/m365-sim.ts';

let sim: M365Simulator;
beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(() => sim.close());

function msalConfig(credentials: Pick<Configuration['auth'], 'clientSecret' | 'clientCertificate'>): Configuration {
  return { auth: { clientId: COLLECTOR_APP_ID, ...msalAuthorityOptions(sim.url, CONTOSO_ID), ...credentials } };
}

describe('msal-node over http with authorityMetadata', () => {
  it('acquires Graph and Management API tokens with a client secret, caching them', async () => {
    const cca = new ConfidentialClientApplication(msalConfig({ clientSecret: COLLECTOR_SECRET }));
    const graph = await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    expect(graph?.accessToken).toBeTruthy();
    expect(decodeJwt(graph?.accessToken ?? '')).toMatchObject({ aud: 'https://graph.microsoft.com', tid: CONTOSO_ID });

    const manage = await cca.acquireTokenByClientCredential({ scopes: ['https://manage.office.com/.default'] });
    expect(decodeJwt(manage?.accessToken ?? '').roles).toEqual(['ActivityFeed.Read']);

    const before = sim.state.requestLog.filter((r) => r.api === 'token').length;
    const again = await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    expect(again?.fromCache).toBe(true);
    expect(sim.state.requestLog.filter((r) => r.api === 'token').length).toBe(before);

    // Nothing but the token endpoint was called: no instance discovery, no OpenID discovery.
    expect(new Set(sim.state.requestLog.map((r) => r.api))).toEqual(new Set(['token']));

    const { status } = await getJson(`${sim.url}/api/v1.0/${CONTOSO_ID}/activity/feed/subscriptions/list`, manage?.accessToken);
    expect(status).toBe(200);
  });

  it('acquires a token with a certificate (PS256 assertion, x5t#S256)', async () => {
    const cert = collectorCertificate();
    const cca = new ConfidentialClientApplication(
      msalConfig({ clientCertificate: { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKeyPem, x5c: cert.certificatePem } }),
    );
    const result = await cca.acquireTokenByClientCredential({ scopes: ['https://manage.office.com/.default'] });
    expect(decodeJwt(result?.accessToken ?? '')).toMatchObject({ appidacr: '2', roles: ['ActivityFeed.Read'] });
  });

  it('surfaces AADSTS errors as msal ServerError with the Entra code', async () => {
    const cca = new ConfidentialClientApplication(msalConfig({ clientSecret: 'wrong' }));
    await expect(cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] })).rejects.toMatchObject({
      errorCode: 'invalid_client',
      errorMessage: expect.stringContaining('Description: AADSTS7000215: Invalid client secret provided.'),
      subError: '',
    });
  });
});
