/**
 * Interactive sign-in (authorization code + PKCE) and admin consent over real HTTP: fetch the
 * page, post the form, follow the redirect, redeem the code; and the same with the unmodified
 * @azure/msal-node (over http with authorityMetadata, and over https with OpenID discovery).
 */
import { ConfidentialClientApplication, CryptoProvider } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { msalAuthorityOptions } from './client-options.ts';
import { startM365Simulator, type M365Simulator } from './index.ts';
import { DEFAULT_USER_PASSWORD } from './state.ts';
import {
  COLLECTOR_APP_ID,
  COLLECTOR_REDIRECT_URI,
  COLLECTOR_SECRET,
  CONTOSO_ID,
  NORTHWIND_ID,
  NORTHWIND_PEOPLE,
  browserSignIn,
  collectorApp,
  contosoScenario,
  northwindWithPeople,
  readForms,
  requestToken,
  startTestSim,
  submitForm,
} from '../../../test/helpers/m365-sim.ts';
import { simulatorTls } from './tls.ts';

let sim: M365Simulator;
beforeAll(async () => {
  sim = await startTestSim({ tenants: [contosoScenario(), northwindWithPeople()] });
});
afterAll(() => sim.close());

const { admin, user, disabled } = NORTHWIND_PEOPLE;
const pkce = new CryptoProvider();

function authorizeUrl(tenant: string, params: Record<string, string> = {}): string {
  const url = new URL(`${sim.url}/${tenant}/oauth2/v2.0/authorize`);
  for (const [k, v] of Object.entries({
    client_id: COLLECTOR_APP_ID,
    response_type: 'code',
    redirect_uri: COLLECTOR_REDIRECT_URI,
    scope: 'openid profile email offline_access User.Read',
    state: 'st-123',
    nonce: 'n-456',
    ...params,
  }))
    url.searchParams.set(k, v);
  return url.toString();
}

/** Query parameters of a redirect back to the app. */
function redirectParams(response: Response): URLSearchParams {
  expect(response.status).toBe(302);
  const location = response.headers.get('location') ?? '';
  expect(location.startsWith(COLLECTOR_REDIRECT_URI)).toBe(true);
  return new URL(location).searchParams;
}

async function codeFor(
  tenant: string,
  params: Record<string, string> = {},
  who: { upn: string; password: string } = { upn: admin.userPrincipalName, password: DEFAULT_USER_PASSWORD },
) {
  const { response } = await browserSignIn(authorizeUrl(tenant, params), who.upn, who.password);
  return redirectParams(response);
}

const redeem = (fields: Record<string, string>, tenant = 'organizations') =>
  requestToken(sim, tenant, {
    grant_type: 'authorization_code',
    client_id: COLLECTOR_APP_ID,
    client_secret: COLLECTOR_SECRET,
    redirect_uri: COLLECTOR_REDIRECT_URI,
    ...fields,
  });

describe('authorization code flow over HTTP', () => {
  it('signs a user in, redirects with code and state, and redeems the code with its PKCE verifier', async () => {
    const { verifier, challenge } = await pkce.generatePkceCodes();
    const params = await codeFor('organizations', { code_challenge: challenge, code_challenge_method: 'S256' });
    expect(params.get('state')).toBe('st-123');
    const code = params.get('code') ?? '';
    expect(code).not.toBe('');

    const { status, body } = await redeem({ code, code_verifier: verifier, client_info: '1' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'User.Read openid profile email', expires_in: 3599 });
    const id = decodeJwt(String(body.id_token));
    // The user's home tenant decides tid, even though the URL said `organizations`.
    expect(id).toMatchObject({
      aud: COLLECTOR_APP_ID,
      iss: `${sim.url}/${NORTHWIND_ID}/v2.0`,
      tid: NORTHWIND_ID,
      oid: admin.id,
      preferred_username: admin.userPrincipalName,
      name: 'Megan Bowen',
      email: admin.mail,
      nonce: 'n-456',
      ver: '2.0',
    });
    expect(id.exp! - id.iat!).toBe(3600);
    expect(typeof id.sub).toBe('string');
    const access = decodeJwt(String(body.access_token));
    expect(access).toMatchObject({
      aud: 'https://graph.microsoft.com',
      idtyp: 'user',
      scp: 'User.Read openid profile email',
      upn: admin.userPrincipalName,
      appidacr: '1',
      tid: NORTHWIND_ID,
    });
    expect(JSON.parse(Buffer.from(String(body.client_info), 'base64url').toString('utf8'))).toEqual({ uid: admin.id, utid: NORTHWIND_ID });

    const refreshed = await requestToken(sim, 'organizations', {
      grant_type: 'refresh_token',
      client_id: COLLECTOR_APP_ID,
      client_secret: COLLECTOR_SECRET,
      refresh_token: String(body.refresh_token),
      scope: 'User.Read offline_access',
    });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(String(refreshed.body.access_token)).oid).toBe(admin.id);
  });

  it('refuses a reused code with AADSTS54005', async () => {
    const code = (await codeFor(NORTHWIND_ID)).get('code') ?? '';
    expect((await redeem({ code })).status).toBe(200);
    const again = await redeem({ code });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ error: 'invalid_grant', error_codes: [54005] });
  });

  it.each([
    ['a wrong code_verifier', (v: string) => ({ code_verifier: `${v}x` })],
    ['no code_verifier', () => ({})],
  ])('refuses %s when the request had a challenge (AADSTS501481)', async (_label, fields) => {
    const { verifier, challenge } = await pkce.generatePkceCodes();
    const code = (await codeFor('organizations', { code_challenge: challenge, code_challenge_method: 'S256' })).get('code') ?? '';
    const result = await redeem({ code, ...fields(verifier) });
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ error: 'invalid_grant', error_codes: [501481] });
    expect(String(result.body.error_description)).toMatch(
      /^AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request\./,
    );
  });

  it('refuses a redirect_uri at the token endpoint that the app does not have (AADSTS50011)', async () => {
    const code = (await codeFor('organizations')).get('code') ?? '';
    const result = await redeem({ code, redirect_uri: 'https://evil.example/callback' });
    expect(result.body).toMatchObject({ error: 'invalid_request', error_codes: [50011] });
  });

  it('refuses a confidential client without its credential (AADSTS7000218) and a code for another tenant', async () => {
    const code = (await codeFor('organizations')).get('code') ?? '';
    const noSecret = await requestToken(sim, 'organizations', {
      grant_type: 'authorization_code',
      client_id: COLLECTOR_APP_ID,
      code,
      redirect_uri: COLLECTOR_REDIRECT_URI,
    });
    expect(noSecret.body).toMatchObject({ error: 'invalid_client', error_codes: [7000218] });
    const wrongTenant = await redeem({ code }, CONTOSO_ID);
    expect(wrongTenant.body).toMatchObject({ error: 'invalid_grant', error_codes: [9002313] });
  });

  it('shows AADSTS50011 as a page, not a redirect, for an unregistered redirect_uri', async () => {
    const response = await fetch(authorizeUrl('organizations', { redirect_uri: 'https://evil.example/callback' }), { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    const html = await response.text();
    expect(html).toContain('AADSTS50011');
    expect(html).toContain('https://evil.example/callback');
  });

  it('shows AADSTS700016 as a page for an unknown client', async () => {
    const response = await fetch(authorizeUrl('organizations', { client_id: '11111111-2222-4333-8444-555555555555' }), { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('AADSTS700016');
  });

  it('redirects with error=access_denied when the user cancels', async () => {
    const url = authorizeUrl('organizations');
    const [form] = readForms(await (await fetch(url)).text(), url);
    const params = redirectParams(await submitForm(form!, { action: 'cancel' }));
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('error_subcode')).toBe('cancel');
    expect(params.get('error_description')).toMatch(/^AADSTS65004: User declined to consent to access the app\./);
    expect(params.get('state')).toBe('st-123');
  });

  it('shows the form again for a wrong password, an unknown account and a disabled account', async () => {
    for (const [upn, password, code] of [
      [admin.userPrincipalName, 'not-the-password', 'AADSTS50126'],
      ['nobody@northwind.onmicrosoft.com', DEFAULT_USER_PASSWORD, 'AADSTS50034'],
      [disabled.userPrincipalName, DEFAULT_USER_PASSWORD, 'AADSTS50057'],
    ] as const) {
      const { response } = await browserSignIn(authorizeUrl('organizations'), upn, password);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain(`data-code="${code}"`);
    }
  });

  it('refuses an account from another tenant when the URL names a tenant (AADSTS50020)', async () => {
    const { response } = await browserSignIn(authorizeUrl(CONTOSO_ID), admin.userPrincipalName, DEFAULT_USER_PASSWORD);
    expect(await response.text()).toContain('data-code="AADSTS50020"');
  });

  it('answers by form_post when asked, and login_required for prompt=none', async () => {
    const { response } = await browserSignIn(authorizeUrl('organizations', { response_mode: 'form_post' }), user.userPrincipalName, DEFAULT_USER_PASSWORD);
    expect(response.status).toBe(200);
    const [post] = readForms(await response.text(), sim.url);
    expect(post?.action).toBe(COLLECTOR_REDIRECT_URI);
    expect(post?.fields.code).toBeTruthy();
    expect(post?.fields.state).toBe('st-123');

    const silent = redirectParams(await fetch(authorizeUrl('organizations', { prompt: 'none' }), { redirect: 'manual' }));
    expect(silent.get('error')).toBe('login_required');
  });

  it('signs users in with a password set through the control API', async () => {
    const set = await fetch(`${sim.url}/_sim/tenants/${NORTHWIND_ID}/users/${user.userPrincipalName}/password`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ password: 'N3w-Secret!' }),
    });
    expect(set.status).toBe(204);
    expect((await browserSignIn(authorizeUrl('organizations'), user.userPrincipalName, DEFAULT_USER_PASSWORD)).response.status).toBe(200);
    expect((await codeFor('organizations', {}, { upn: user.userPrincipalName, password: 'N3w-Secret!' })).get('code')).toBeTruthy();
    await fetch(`${sim.url}/_sim/tenants/${NORTHWIND_ID}/users/${user.id}/password`, {
      method: 'PUT',
      body: JSON.stringify({ password: DEFAULT_USER_PASSWORD }),
    });
  });
});

describe('msal-node ConfidentialClientApplication', () => {
  const msal = (authority: string) =>
    new ConfidentialClientApplication({ auth: { clientId: COLLECTOR_APP_ID, clientSecret: COLLECTOR_SECRET, ...msalAuthorityOptions(sim.url, authority) } });

  it('getAuthCodeUrl with PKCE, then acquireTokenByCode with the verifier', async () => {
    const cca = msal(NORTHWIND_ID);
    const { verifier, challenge } = await pkce.generatePkceCodes();
    const url = await cca.getAuthCodeUrl({
      scopes: ['User.Read'],
      redirectUri: COLLECTOR_REDIRECT_URI,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      state: 'msal-state',
      nonce: 'msal-nonce',
      loginHint: admin.userPrincipalName,
    });
    expect(url.startsWith(`${sim.url}/${NORTHWIND_ID}/oauth2/v2.0/authorize?`)).toBe(true);
    const { response, pages } = await browserSignIn(url, admin.userPrincipalName, DEFAULT_USER_PASSWORD);
    expect(pages[0]).toContain(`value="${admin.userPrincipalName}"`);
    const params = redirectParams(response);
    const result = await cca.acquireTokenByCode({
      code: params.get('code') ?? '',
      scopes: ['User.Read'],
      redirectUri: COLLECTOR_REDIRECT_URI,
      codeVerifier: verifier,
      nonce: 'msal-nonce',
    });
    expect(result.account).toMatchObject({ username: admin.userPrincipalName, tenantId: NORTHWIND_ID, homeAccountId: `${admin.id}.${NORTHWIND_ID}` });
    expect(result.idTokenClaims).toMatchObject({ tid: NORTHWIND_ID, nonce: 'msal-nonce' });
    expect(decodeJwt(result.accessToken).scp).toContain('User.Read');
  });

  it('surfaces a wrong verifier as ServerError invalid_grant with AADSTS501481', async () => {
    const cca = msal(NORTHWIND_ID);
    const { challenge } = await pkce.generatePkceCodes();
    const other = await pkce.generatePkceCodes();
    const url = await cca.getAuthCodeUrl({ scopes: ['User.Read'], redirectUri: COLLECTOR_REDIRECT_URI, codeChallenge: challenge, codeChallengeMethod: 'S256' });
    const params = redirectParams((await browserSignIn(url, user.userPrincipalName, DEFAULT_USER_PASSWORD)).response);
    await expect(
      cca.acquireTokenByCode({ code: params.get('code') ?? '', scopes: ['User.Read'], redirectUri: COLLECTOR_REDIRECT_URI, codeVerifier: other.verifier }),
    ).rejects.toMatchObject({
      errorCode: 'invalid_grant',
      errorMessage: expect.stringContaining('AADSTS501481'),
    });
  });

  it('over https with the organizations authority: OpenID discovery from the simulator, tid from the home tenant', async () => {
    const tlsSim = await startM365Simulator({
      tls: simulatorTls(),
      clock: { start: '2024-05-06T12:00:00Z', frozen: true },
      apps: [collectorApp()],
      tenants: [northwindWithPeople()],
    });
    try {
      const config = (await (await fetch(`${tlsSim.url}/organizations/v2.0/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      expect(config).toMatchObject({
        authorization_endpoint: `${tlsSim.url}/organizations/oauth2/v2.0/authorize`,
        token_endpoint: `${tlsSim.url}/organizations/oauth2/v2.0/token`,
        end_session_endpoint: `${tlsSim.url}/organizations/oauth2/v2.0/logout`,
        issuer: `${tlsSim.url}/{tenantid}/v2.0`,
      });
      expect(config.code_challenge_methods_supported).toContain('S256');

      const host = new URL(tlsSim.url).host;
      const cca = new ConfidentialClientApplication({
        auth: { clientId: COLLECTOR_APP_ID, clientSecret: COLLECTOR_SECRET, authority: `${tlsSim.url}/organizations`, knownAuthorities: [host] },
      });
      const { verifier, challenge } = await pkce.generatePkceCodes();
      const url = await cca.getAuthCodeUrl({
        scopes: ['User.Read'],
        redirectUri: COLLECTOR_REDIRECT_URI,
        codeChallenge: challenge,
        codeChallengeMethod: 'S256',
      });
      const params = redirectParams((await browserSignIn(url, admin.userPrincipalName, DEFAULT_USER_PASSWORD)).response);
      const result = await cca.acquireTokenByCode({
        code: params.get('code') ?? '',
        scopes: ['User.Read'],
        redirectUri: COLLECTOR_REDIRECT_URI,
        codeVerifier: verifier,
      });
      expect(result.tenantId).toBe(NORTHWIND_ID);
      expect(result.account?.username).toBe(admin.userPrincipalName);
    } finally {
      await tlsSim.close();
    }
  });
});

describe('admin consent', () => {
  function consentUrl(tenant: string, params: Record<string, string> = {}, version: 'v1' | 'v2' = 'v2'): string {
    const url = new URL(version === 'v2' ? `${sim.url}/${tenant}/v2.0/adminconsent` : `${sim.url}/${tenant}/adminconsent`);
    for (const [k, v] of Object.entries({
      client_id: COLLECTOR_APP_ID,
      redirect_uri: COLLECTOR_REDIRECT_URI,
      state: 'consent-1',
      ...(version === 'v2' ? { scope: 'https://graph.microsoft.com/.default' } : {}),
      ...params,
    }))
      url.searchParams.set(k, v);
    return url.toString();
  }

  it('a non-admin cannot grant: "Need admin approval", then access_denied with AADSTS90094', async () => {
    const { response, pages } = await browserSignIn(consentUrl('organizations'), user.userPrincipalName, DEFAULT_USER_PASSWORD, 'back');
    expect(pages[1]).toContain('Need admin approval');
    const params = redirectParams(response);
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('error_description')).toMatch(/^AADSTS90094: /);
    expect(params.get('state')).toBe('consent-1');
    expect(params.get('admin_consent')).toBeNull();
  });

  it('an admin who declines: access_denied with AADSTS65004, and still no consent', async () => {
    const params = redirectParams((await browserSignIn(consentUrl('organizations'), admin.userPrincipalName, DEFAULT_USER_PASSWORD, 'cancel')).response);
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('error_description')).toMatch(/^AADSTS65004: User declined to consent to access the app\./);
    expect(
      (
        await requestToken(sim, NORTHWIND_ID, {
          grant_type: 'client_credentials',
          client_id: COLLECTOR_APP_ID,
          client_secret: COLLECTOR_SECRET,
          scope: 'https://graph.microsoft.com/.default',
        })
      ).body,
    ).toMatchObject({ error_codes: [700016] });
  });

  it('a Global Administrator grants every required permission; client-credential tokens then carry the roles', async () => {
    const { response, pages } = await browserSignIn(consentUrl('organizations'), admin.userPrincipalName, DEFAULT_USER_PASSWORD, 'accept');
    expect(pages[1]).toContain('AuditLog.Read.All');
    const params = redirectParams(response);
    expect(params.get('admin_consent')).toBe('True');
    expect(params.get('tenant')).toBe(NORTHWIND_ID);
    expect(params.get('state')).toBe('consent-1');
    expect(params.get('scope')?.split(' ')).toEqual(
      expect.arrayContaining([
        'https://graph.microsoft.com/AuditLog.Read.All',
        'https://manage.office.com/ActivityFeed.Read',
        'https://outlook.office365.com/Exchange.ManageAsApp',
      ]),
    );

    const graph = await requestToken(sim, NORTHWIND_ID, {
      grant_type: 'client_credentials',
      client_id: COLLECTOR_APP_ID,
      client_secret: COLLECTOR_SECRET,
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(graph.status).toBe(200);
    expect(decodeJwt(String(graph.body.access_token)).roles).toEqual(expect.arrayContaining(['AuditLog.Read.All', 'Directory.Read.All', 'Files.Read.All']));
    const manage = await requestToken(sim, NORTHWIND_ID, {
      grant_type: 'client_credentials',
      client_id: COLLECTOR_APP_ID,
      client_secret: COLLECTOR_SECRET,
      scope: 'https://manage.office.com/.default',
    });
    expect(decodeJwt(String(manage.body.access_token)).roles).toEqual(['ActivityFeed.Read']);

    // The app's service principal now exists in the tenant, as Graph lists it.
    const sps = (await (await fetch(`${sim.url}/_sim/tenants/${NORTHWIND_ID}/entities/servicePrincipals`)).json()) as { items: { appId: string }[] };
    expect(sps.items.map((sp) => sp.appId)).toContain(COLLECTOR_APP_ID);
  });

  it('the v1 endpoint answers admin_consent=True&tenant without scope', async () => {
    const params = redirectParams((await browserSignIn(consentUrl(NORTHWIND_ID, {}, 'v1'), admin.userPrincipalName, DEFAULT_USER_PASSWORD, 'accept')).response);
    expect(params.get('admin_consent')).toBe('True');
    expect(params.get('tenant')).toBe(NORTHWIND_ID);
    expect(params.get('scope')).toBeNull();
  });

  it('refuses a scope without /.default on v2 and an unregistered redirect_uri', async () => {
    const bad = redirectParams(await fetch(consentUrl('organizations', { scope: 'https://graph.microsoft.com/AuditLog.Read.All' }), { redirect: 'manual' }));
    expect(bad.get('error')).toBe('invalid_scope');
    const page = await fetch(consentUrl('organizations', { redirect_uri: 'https://evil.example/' }), { redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('AADSTS50011');
  });
});
