import { createHash, generateKeyPairSync } from 'node:crypto';
import { SignJWT, createLocalJWKSet, decodeJwt, importPKCS8, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { M365Simulator } from './index.ts';
import { RESOURCES } from './state.ts';
import {
  COLLECTOR_APP_ID,
  COLLECTOR_SECRET,
  CONTOSO_ID,
  FABRIKAM_ID,
  NORTHWIND_ID,
  T0,
  collectorCertificate,
  contosoScenario,
  requestToken,
  startTestSim,
} from '../../../test/helpers/m365-sim.ts';
import { createSelfSignedCertificate } from './x509.ts';

let sim: M365Simulator;
beforeAll(async () => {
  sim = await startTestSim({
    tenants: [
      contosoScenario(),
      {
        tenantId: FABRIKAM_ID,
        displayName: 'Fabrikam',
        initialDomain: 'fabrikam.onmicrosoft.com',
        consents: [{ appId: COLLECTOR_APP_ID, roles: {} }],
        // The Office 365 Management APIs service principal was never provisioned here.
        provisionedResources: ['graph'],
      },
      { tenantId: NORTHWIND_ID, displayName: 'Northwind', initialDomain: 'northwind.onmicrosoft.com', consents: [] },
    ],
  });
});
afterAll(() => sim.close());

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
const MANAGE_SCOPE = 'https://manage.office.com/.default';
const secretFields = (extra: Record<string, string> = {}): Record<string, string> => ({
  grant_type: 'client_credentials',
  client_id: COLLECTOR_APP_ID,
  client_secret: COLLECTOR_SECRET,
  scope: GRAPH_SCOPE,
  ...extra,
});

function tokenEndpoint(tenant: string): string {
  return `${sim.url}/${tenant}/oauth2/v2.0/token`;
}

async function assertion(
  options: { alg?: 'RS256' | 'PS256'; aud?: string; iss?: string; exp?: number; nbf?: number; key?: string; thumbprintHex?: string; sha256?: boolean } = {},
): Promise<string> {
  const cert = collectorCertificate();
  const alg = options.alg ?? 'PS256';
  const key = await importPKCS8(options.key ?? cert.privateKeyPem, alg);
  const sha256 = options.sha256 ?? alg === 'PS256';
  const thumb = Buffer.from(options.thumbprintHex ?? (sha256 ? cert.thumbprintSha256 : cert.thumbprintSha1), 'hex').toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: crypto.randomUUID() })
    .setProtectedHeader({ alg, typ: 'JWT', ...(sha256 ? { 'x5t#S256': thumb } : { x5t: thumb }) })
    .setIssuer(options.iss ?? COLLECTOR_APP_ID)
    .setSubject(options.iss ?? COLLECTOR_APP_ID)
    .setAudience(options.aud ?? tokenEndpoint(CONTOSO_ID))
    .setIssuedAt(now)
    .setNotBefore(options.nbf ?? now)
    .setExpirationTime(options.exp ?? now + 600)
    .sign(key);
}

const assertionFields = (jwt: string, extra: Record<string, string> = {}): Record<string, string> => ({
  grant_type: 'client_credentials',
  client_id: COLLECTOR_APP_ID,
  client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
  client_assertion: jwt,
  scope: MANAGE_SCOPE,
  ...extra,
});

describe('token endpoint: success', () => {
  it('issues an RS256 v1 access token for Graph with a client secret', async () => {
    const { status, body } = await requestToken(sim, CONTOSO_ID, secretFields());
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
    const claims = decodeJwt(String(body.access_token));
    expect(claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      iss: `https://sts.windows.net/${CONTOSO_ID}/`,
      tid: CONTOSO_ID,
      appid: COLLECTOR_APP_ID,
      appidacr: '1',
      idtyp: 'app',
      ver: '1.0',
    });
    expect(claims.roles).toEqual(expect.arrayContaining(['AuditLog.Read.All', 'SecurityAlert.Read.All']));
    expect(claims.roles).not.toContain('ActivityFeed.Read');
    expect(claims.exp).toBe(Date.parse(T0) / 1000 + 3599);
  });

  it('accepts the tenant by domain name and HTTP Basic client authentication', async () => {
    const response = await fetch(tokenEndpoint('contoso.com'), {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${Buffer.from(`${COLLECTOR_APP_ID}:${encodeURIComponent(COLLECTOR_SECRET)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: MANAGE_SCOPE }).toString(),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { access_token: string };
    expect(decodeJwt(body.access_token)).toMatchObject({ aud: 'https://manage.office.com', roles: ['ActivityFeed.Read'], tid: CONTOSO_ID });
  });

  it.each([
    ['PS256 with x5t#S256 (msal-node thumbprintSha256)', 'PS256' as const, true],
    ['RS256 with x5t (SHA-1 thumbprint)', 'RS256' as const, false],
  ])('issues a token for a certificate assertion: %s', async (_label, alg, sha256) => {
    const { status, body } = await requestToken(sim, CONTOSO_ID, assertionFields(await assertion({ alg, sha256 })));
    expect(status).toBe(200);
    expect(decodeJwt(String(body.access_token))).toMatchObject({ aud: 'https://manage.office.com', appidacr: '2', roles: ['ActivityFeed.Read'] });
  });

  it('ignores the extra form fields MSAL sends', async () => {
    const { status } = await requestToken(
      sim,
      CONTOSO_ID,
      secretFields({
        'x-client-SKU': 'msal.js.node',
        'x-client-VER': '7.2.1',
        'x-ms-lib-capability': 'retry-after, h429',
        'client-request-id': crypto.randomUUID(),
      }),
    );
    expect(status).toBe(200);
  });

  it('omits the roles claim when the app is consented without application permissions', async () => {
    const { status, body } = await requestToken(sim, FABRIKAM_ID, secretFields());
    expect(status).toBe(200);
    expect(decodeJwt(String(body.access_token)).roles).toBeUndefined();
  });

  it('signs tokens with a key published in JWKS and advertised by OpenID discovery', async () => {
    const config = (await (await fetch(`${sim.url}/${CONTOSO_ID}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(config.token_endpoint).toBe(`${sim.url}/${CONTOSO_ID}/oauth2/v2.0/token`);
    expect(config.issuer).toBe(`${sim.url}/${CONTOSO_ID}/v2.0`);
    const jwks = (await (await fetch(config.jwks_uri ?? '')).json()) as JSONWebKeySet;
    const { body } = await requestToken(sim, CONTOSO_ID, secretFields());
    const { payload, protectedHeader } = await jwtVerify(String(body.access_token), createLocalJWKSet(jwks), { currentDate: new Date(T0) });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.tid).toBe(CONTOSO_ID);
  });

  it('answers instance discovery for the host msal-node asks about', async () => {
    const authorize = `https://127.0.0.1:8443/${CONTOSO_ID}/oauth2/v2.0/authorize`;
    const response = await fetch(`${sim.url}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(authorize)}`);
    expect(await response.json()).toEqual({
      tenant_discovery_endpoint: `https://127.0.0.1:8443/${CONTOSO_ID}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: '127.0.0.1:8443', preferred_cache: '127.0.0.1:8443', aliases: ['127.0.0.1:8443'] }],
    });
  });
});

describe('token endpoint: errors in Entra shape', () => {
  const otherCert = createSelfSignedCertificate({ commonName: 'not-registered' });
  const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  it.each<[string, string, () => Promise<Record<string, string>>, number, string, number]>([
    ['wrong secret', CONTOSO_ID, async () => secretFields({ client_secret: 'not-the-secret' }), 401, 'invalid_client', 7000215],
    ['expired secret', CONTOSO_ID, async () => secretFields({ client_secret: 'old-expired-secret' }), 401, 'invalid_client', 7000222],
    ['unknown app', CONTOSO_ID, async () => secretFields({ client_id: '11111111-2222-4333-8444-555555555555' }), 400, 'unauthorized_client', 700016],
    ['unknown tenant', '99999999-9999-4999-8999-999999999999', async () => secretFields(), 400, 'invalid_request', 90002],
    ['unknown tenant by domain', 'adatum.onmicrosoft.com', async () => secretFields(), 400, 'invalid_request', 90002],
    ['no admin consent in the tenant', NORTHWIND_ID, async () => secretFields(), 400, 'unauthorized_client', 700016],
    ['resource service principal missing', FABRIKAM_ID, async () => secretFields({ scope: MANAGE_SCOPE }), 400, 'invalid_resource', 500011],
    [
      'scope without /.default',
      CONTOSO_ID,
      async () => secretFields({ scope: 'https://graph.microsoft.com/AuditLog.Read.All' }),
      400,
      'invalid_scope',
      1002012,
    ],
    ['unknown scope', CONTOSO_ID, async () => secretFields({ scope: 'https://example.com/.default' }), 400, 'invalid_scope', 70011],
    [
      'missing grant_type',
      CONTOSO_ID,
      async () => ({ client_id: COLLECTOR_APP_ID, client_secret: COLLECTOR_SECRET, scope: GRAPH_SCOPE }),
      400,
      'invalid_request',
      900144,
    ],
    [
      'no credential',
      CONTOSO_ID,
      async () => ({ grant_type: 'client_credentials', client_id: COLLECTOR_APP_ID, scope: GRAPH_SCOPE }),
      401,
      'invalid_client',
      7000218,
    ],
    [
      'assertion from an unregistered certificate',
      CONTOSO_ID,
      async () => assertionFields(await assertion({ key: otherCert.privateKeyPem, thumbprintHex: otherCert.thumbprintSha256 })),
      401,
      'invalid_client',
      700027,
    ],
    ['assertion with a forged signature', CONTOSO_ID, async () => assertionFields(await assertion({ key: strangerKey })), 401, 'invalid_client', 700027],
    [
      'assertion for another audience',
      CONTOSO_ID,
      async () => assertionFields(await assertion({ aud: tokenEndpoint(FABRIKAM_ID) })),
      401,
      'invalid_client',
      50013,
    ],
    [
      'assertion issued by another client',
      CONTOSO_ID,
      async () => assertionFields(await assertion({ iss: '11111111-2222-4333-8444-555555555555' })),
      401,
      'invalid_client',
      700021,
    ],
    [
      'expired assertion',
      CONTOSO_ID,
      async () => assertionFields(await assertion({ exp: Math.floor(Date.now() / 1000) - 3600, nbf: Math.floor(Date.now() / 1000) - 4200 })),
      401,
      'invalid_client',
      700024,
    ],
  ])('%s', async (_label, tenant, fields, status, error, code) => {
    const correlationId = crypto.randomUUID();
    const result = await requestToken(sim, tenant, { ...(await fields()), 'client-request-id': correlationId });
    expect(result.status).toBe(status);
    expect(result.body).toMatchObject({ error, error_codes: [code], correlation_id: correlationId, timestamp: '2024-05-06 12:00:00Z' });
    expect(String(result.body.error_description)).toMatch(
      new RegExp(`^AADSTS${code}: .+\\r\\nTrace ID: [0-9a-f-]{36}\\r\\nCorrelation ID: ${correlationId}\\r\\nTimestamp: 2024-05-06 12:00:00Z$`, 's'),
    );
    expect(result.body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('words the wrong-secret error as Entra does', async () => {
    const { body } = await requestToken(sim, CONTOSO_ID, secretFields({ client_secret: 'nope' }));
    expect(String(body.error_description)).toMatch(
      new RegExp(
        `^AADSTS7000215: Invalid client secret provided\\. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${COLLECTOR_APP_ID}'\\.`,
      ),
    );
  });

  it('rejects OpenID discovery for an unknown tenant with AADSTS90002', async () => {
    const response = await fetch(`${sim.url}/adatum.com/v2.0/.well-known/openid-configuration`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
  });

  it('computes certificate thumbprints from the DER certificate', () => {
    const cert = collectorCertificate();
    const der = Buffer.from(cert.certificatePem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    expect(cert.thumbprintSha1).toBe(createHash('sha1').update(der).digest('hex').toUpperCase());
    expect(RESOURCES.graph.uri).toBe('https://graph.microsoft.com');
  });
});

describe('token endpoint: v1.0', () => {
  it('issues a token for resource= with the v1 string-typed fields', async () => {
    const response = await fetch(`${sim.url}/${CONTOSO_ID}/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: COLLECTOR_APP_ID,
        client_secret: COLLECTOR_SECRET,
        resource: 'https://manage.office.com',
      }).toString(),
    });
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: '3599',
      ext_expires_in: '3599',
      not_before: String(Date.parse(T0) / 1000),
      expires_on: String(Date.parse(T0) / 1000 + 3599),
      resource: 'https://manage.office.com',
    });
    expect(decodeJwt(String(body.access_token)).aud).toBe('https://manage.office.com');
  });

  it('answers AADSTS500011 for an unknown resource', async () => {
    const response = await fetch(`${sim.url}/${CONTOSO_ID}/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: COLLECTOR_APP_ID,
        client_secret: COLLECTOR_SECRET,
        resource: 'https://example.com',
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_resource', error_codes: [500011] });
  });
});

describe('self-signed certificates', () => {
  it('are valid DER whatever the random serial (leading zero bytes included)', async () => {
    const { createSelfSignedCertificate } = await import('./x509.ts');
    for (const first of [0x00, 0x01, 0x7f]) {
      const serial = Buffer.alloc(16, 0x11);
      serial[0] = first;
      serial[1] = 0x00;
      expect(() => createSelfSignedCertificate({ commonName: 'serial-check', serial, keyType: 'ec' })).not.toThrow();
    }
  });
});
