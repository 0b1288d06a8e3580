/**
 * The Entra ID v2.0 token endpoint (client credentials with a client secret or a certificate
 * assertion; authorization code with PKCE and refresh tokens for codes from sign-in.ts), OpenID
 * Connect discovery, instance discovery and JWKS, as msal-node calls them.
 */
import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { base64url, compactVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import { aad, aadErrorBody, type AadError } from './entra-errors.ts';
import { mintAccessToken, mintDelegatedAccessToken, mintIdToken, type TokenUser } from './access-token.ts';
import { grantUser, OIDC_SCOPES, pkceMatches } from './sign-in.ts';
import { jsonResponse, requestOrigin } from './http-util.ts';
import type { SimEnv } from './env.ts';
import { RESOURCES, type ResourceKey, type SimState, type SimTenant, type RegisteredApp, type AppConsent, type UserGrant } from './state.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

function resourceForScope(scope: string): { resource?: ResourceKey; error?: AadError } {
  const scopes = scope.split(/\s+/).filter(Boolean);
  // Client credentials take exactly one resource's /.default; MSAL adds no openid/offline_access here.
  if (scopes.length !== 1) return { error: aad.invalidScope(scope) };
  const only = scopes[0] ?? '';
  for (const [key, def] of Object.entries(RESOURCES) as [ResourceKey, (typeof RESOURCES)[ResourceKey]][]) {
    for (const prefix of [def.uri, `${def.uri}/`, def.appId]) {
      if (only === `${prefix.replace(/\/$/, '')}/.default`) return { resource: key };
      if (only.startsWith(`${def.uri}/`) || only.startsWith(`${def.appId}/`)) return { error: aad.scopeNotDefault(only) };
    }
  }
  return { error: aad.invalidScope(only) };
}

function resourceForUri(uri: string, tenantName: string): { resource?: ResourceKey; error?: AadError } {
  const trimmed = uri.replace(/\/$/, '');
  for (const [key, def] of Object.entries(RESOURCES) as [ResourceKey, (typeof RESOURCES)[ResourceKey]][]) {
    if (trimmed === def.uri || trimmed === def.appId) return { resource: key };
  }
  return { error: aad.resourceNotFound(uri, tenantName) };
}

/** Assertion audiences Entra accepts for a tenant: its token endpoint (v2 or v1) or issuer, by id or domain, at our origin or Microsoft's. */
function acceptedAudiences(origin: string, tenant: SimTenant | undefined, segment?: string): string[] {
  const hosts = [origin, 'https://login.microsoftonline.com'];
  const names = [...(tenant ? [tenant.id, ...tenant.domains] : []), ...(segment ? [segment] : [])];
  return hosts.flatMap((h) => names.flatMap((n) => [`${h}/${n}/oauth2/v2.0/token`, `${h}/${n}/oauth2/token`, `${h}/${n}/v2.0`]));
}

type AuthResult = { ok: true; method: '1' | '2' } | { ok: false; error: AadError };

function checkSecret(app: RegisteredApp, secret: string, nowMs: number): AuthResult {
  const matching = (app.secrets ?? []).filter((s) => s.value === secret);
  if (matching.length === 0) return { ok: false, error: aad.invalidSecret(app.appId) };
  if (matching.every((s) => s.endDateTime && Date.parse(s.endDateTime) <= nowMs)) return { ok: false, error: aad.expiredSecret(app.appId, app.displayName) };
  return { ok: true, method: '1' };
}

async function checkAssertion(app: RegisteredApp, assertion: string, audiences: string[], clientId: string): Promise<AuthResult> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  let claims: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(assertion);
    claims = decodeJwt(assertion);
  } catch {
    return { ok: false, error: aad.malformedAssertion() };
  }
  const x5t = typeof header.x5t === 'string' ? header.x5t : undefined;
  const x5tS256 = typeof header['x5t#S256'] === 'string' ? header['x5t#S256'] : undefined;
  const thumbHex = (value: string): string => Buffer.from(base64url.decode(value)).toString('hex').toUpperCase();
  const presented = x5tS256 ? thumbHex(x5tS256) : x5t ? thumbHex(x5t) : '';
  const key = app.certificateKeys.find((k) => (x5tS256 ? k.thumbprintSha256 === presented : k.thumbprintSha1 === presented));
  if (!key) return { ok: false, error: aad.unknownCertificate(presented, app.appId) };
  try {
    // RS256 (SHA-1 thumbprint, older MSAL) and PS256 (x5t#S256, current MSAL) are both accepted by Entra.
    await compactVerify(assertion, key.publicKey, { algorithms: ['RS256', 'PS256'] });
  } catch {
    return { ok: false, error: aad.badAssertionSignature(presented) };
  }
  if (claims.iss !== clientId || claims.sub !== clientId) return { ok: false, error: aad.assertionSubject() };
  const aud = Array.isArray(claims.aud) ? (claims.aud[0] ?? '') : (claims.aud ?? '');
  if (!audiences.some((a) => a.toLowerCase() === aud.toLowerCase())) return { ok: false, error: aad.assertionAudience(aud, audiences[0] ?? '') };
  // Assertions are minted by the client from its real clock, so they are checked against real
  // time, not the simulated one (which tests move freely). 5 minutes of skew, like Entra.
  const realNow = Date.now();
  const skew = 300;
  if (typeof claims.exp !== 'number' || claims.exp + skew < realNow / 1000 || (typeof claims.nbf === 'number' && claims.nbf - skew > realNow / 1000)) {
    return { ok: false, error: aad.assertionTime(realNow, claims.nbf, claims.exp) };
  }
  if (key.endDateTime && Date.parse(key.endDateTime) <= realNow) return { ok: false, error: aad.assertionTime(realNow, claims.nbf, claims.exp) };
  return { ok: true, method: '2' };
}

async function readForm(c: Context): Promise<URLSearchParams> {
  const text = await c.req.text();
  return new URLSearchParams(text);
}

export function tokenRoutes(state: SimState): Hono<SimEnv> {
  const app = new Hono<SimEnv>();

  const fail = (c: Context<SimEnv>, err: AadError, correlationId: string | undefined): Response =>
    jsonResponse(aadErrorBody(err, state.now(), correlationId), err.status, {
      'Cache-Control': 'no-store, no-cache',
      Pragma: 'no-cache',
      ...(correlationId ? { 'client-request-id': correlationId } : {}),
    });

  // v2.0 takes `scope={resource}/.default`; v1.0 takes `resource={uri}` and answers with string
  // numbers plus expires_on/not_before/resource (some older collectors still use it).
  const issue = async (c: Context<SimEnv>, version: 'v1' | 'v2'): Promise<Response> => {
    const form = await readForm(c);
    const correlationId = c.req.header('client-request-id') ?? form.get('client-request-id') ?? undefined;
    const tenantName = c.req.param('tenant') ?? '';

    // HTTP Basic client authentication is allowed as an alternative to form fields.
    let clientId = form.get('client_id') ?? undefined;
    let clientSecret = form.get('client_secret') ?? undefined;
    const basic = /^Basic\s+(.+)$/i.exec(c.req.header('authorization') ?? '');
    if (basic?.[1]) {
      const [id, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
      clientId ??= id ? decodeURIComponent(id) : undefined;
      clientSecret ??= secret !== undefined ? decodeURIComponent(secret) : undefined;
    }

    const grantType = form.get('grant_type');
    if (!grantType) return fail(c, aad.missingParameter('grant_type'), correlationId);
    if (version === 'v2' && (grantType === 'authorization_code' || grantType === 'refresh_token')) {
      return redeemUserGrant(c, form, grantType, clientId, clientSecret, correlationId);
    }
    if (grantType !== 'client_credentials') return fail(c, aad.unsupportedGrant(grantType), correlationId);
    const tenant = state.findTenant(tenantName);
    if (!tenant) return fail(c, aad.tenantNotFound(tenantName), correlationId);
    c.set('tenantId', tenant.id);
    if (!clientId) return fail(c, aad.missingParameter('client_id'), correlationId);
    c.set('appId', clientId);
    const scope = version === 'v2' ? form.get('scope') : form.get('resource');
    if (!scope) return fail(c, aad.missingParameter(version === 'v2' ? 'scope' : 'resource'), correlationId);

    const registered = state.apps.get(clientId.toLowerCase());
    const consent: AppConsent | undefined = tenant.consents.get(clientId.toLowerCase());
    // Without an app registration or without a service principal in this tenant (nobody consented),
    // Entra cannot find the application: AADSTS700016 is what missing admin consent looks like
    // for client credentials.
    if (!registered || !consent) return fail(c, aad.appNotFound(clientId, tenant.initialDomain), correlationId);
    // A service principal disabled in the tenant (accountEnabled false) gets no tokens there.
    const principalId = state.servicePrincipalId(tenant, consent);
    if (tenant.directory.servicePrincipals.some((sp) => sp.id === principalId && sp.accountEnabled === false))
      return fail(c, aad.appDisabled(registered.appId, registered.displayName), correlationId);

    const { resource, error: scopeError } = version === 'v2' ? resourceForScope(scope) : resourceForUri(scope, tenant.initialDomain);
    if (scopeError || !resource) return fail(c, scopeError ?? aad.invalidScope(scope), correlationId);

    let auth: AuthResult;
    const assertion = form.get('client_assertion');
    if (assertion) {
      if (form.get('client_assertion_type') !== JWT_BEARER) return fail(c, aad.unsupportedAssertionType(), correlationId);
      auth = await checkAssertion(registered, assertion, acceptedAudiences(requestOrigin(c), tenant), registered.appId);
    } else if (clientSecret) {
      auth = checkSecret(registered, clientSecret, state.now());
    } else {
      auth = { ok: false, error: aad.noCredential() };
    }
    if (!auth.ok) return fail(c, auth.error, correlationId);

    if (!tenant.provisionedResources.has(resource)) return fail(c, aad.resourceNotFound(RESOURCES[resource].uri, tenant.initialDomain), correlationId);

    const lifetime = state.tokenLifetimeSeconds;
    const accessToken = await mintAccessToken(
      state.signingKeys,
      {
        tenantId: tenant.id,
        appId: registered.appId,
        appDisplayName: registered.displayName,
        servicePrincipalId: state.servicePrincipalId(tenant, consent),
        resource,
        roles: [...(consent.roles[resource] ?? [])],
        clientAuthMethod: auth.method,
      },
      { nowMs: state.now(), lifetimeSeconds: lifetime },
    );
    const nowSeconds = Math.floor(state.now() / 1000);
    const body =
      version === 'v2'
        ? { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken }
        : {
            token_type: 'Bearer',
            expires_in: String(lifetime),
            ext_expires_in: String(lifetime),
            expires_on: String(nowSeconds + lifetime),
            not_before: String(nowSeconds),
            resource: RESOURCES[resource].uri,
            access_token: accessToken,
          };
    return jsonResponse(body, 200, {
      'Cache-Control': 'no-store, no-cache',
      Pragma: 'no-cache',
      ...(correlationId ? { 'client-request-id': correlationId } : {}),
    });
  };
  /**
   * authorization_code (a code from sign-in.ts, with its redirect URI and PKCE verifier) and
   * refresh_token: ID token, delegated Graph access token, and a refresh token with offline_access.
   * A code is single use: any redemption by its own client, good or bad, spends it.
   */
  const redeemUserGrant = async (
    c: Context<SimEnv>,
    form: URLSearchParams,
    grantType: 'authorization_code' | 'refresh_token',
    clientId: string | undefined,
    clientSecret: string | undefined,
    correlationId: string | undefined,
  ): Promise<Response> => {
    const segment = c.req.param('tenant') ?? '';
    const multi = ['common', 'organizations'].includes(segment.toLowerCase());
    const pinned = multi ? undefined : state.findTenant(segment);
    if (!multi && !pinned) return fail(c, aad.tenantNotFound(segment), correlationId);
    if (pinned) c.set('tenantId', pinned.id);
    if (!clientId) return fail(c, aad.missingParameter('client_id'), correlationId);
    c.set('appId', clientId);
    const registered = state.apps.get(clientId.toLowerCase());
    if (!registered) return fail(c, aad.appNotFound(clientId, pinned?.initialDomain ?? segment), correlationId);

    let method: '0' | '1' | '2';
    const assertion = form.get('client_assertion');
    if (assertion) {
      if (form.get('client_assertion_type') !== JWT_BEARER) return fail(c, aad.unsupportedAssertionType(), correlationId);
      const auth = await checkAssertion(registered, assertion, acceptedAudiences(requestOrigin(c), pinned, segment), registered.appId);
      if (!auth.ok) return fail(c, auth.error, correlationId);
      method = auth.method;
    } else if (clientSecret) {
      const auth = checkSecret(registered, clientSecret, state.now());
      if (!auth.ok) return fail(c, auth.error, correlationId);
      method = auth.method;
    } else if (registered.publicClient) {
      method = '0';
    } else {
      return fail(c, aad.noCredential(), correlationId);
    }

    let grant: UserGrant;
    let nonce: string | undefined;
    if (grantType === 'authorization_code') {
      const code = form.get('code');
      if (!code) return fail(c, aad.missingParameter('code'), correlationId);
      const issued = state.authorizationCodes.get(code);
      if (!issued || (pinned && pinned.id !== issued.tenantId)) return fail(c, aad.malformedGrant(), correlationId);
      if (issued.appId.toLowerCase() !== registered.appId.toLowerCase()) return fail(c, aad.grantForOtherClient(), correlationId);
      if (issued.redeemed) return fail(c, aad.codeRedeemed(), correlationId);
      issued.redeemed = true;
      if (issued.expiresAt <= state.now()) return fail(c, aad.grantExpired(), correlationId);
      const redirectUri = form.get('redirect_uri');
      if (!redirectUri) return fail(c, aad.missingParameter('redirect_uri'), correlationId);
      if (!(registered.redirectUris ?? []).includes(redirectUri)) return fail(c, aad.redirectUriMismatch(redirectUri, registered.appId), correlationId);
      if (redirectUri !== issued.redirectUri) return fail(c, aad.replyAddressChanged(redirectUri, issued.redirectUri), correlationId);
      if (issued.codeChallenge) {
        const verifier = form.get('code_verifier');
        if (!verifier || !pkceMatches(verifier, issued.codeChallenge, issued.codeChallengeMethod ?? 'plain'))
          return fail(c, aad.codeVerifierMismatch(), correlationId);
      }
      grant = issued;
      nonce = issued.nonce;
    } else {
      const refreshToken = form.get('refresh_token');
      if (!refreshToken) return fail(c, aad.missingParameter('refresh_token'), correlationId);
      const stored = state.refreshTokens.get(refreshToken);
      if (!stored || (pinned && pinned.id !== stored.tenantId)) return fail(c, aad.malformedGrant(), correlationId);
      if (stored.appId.toLowerCase() !== registered.appId.toLowerCase()) return fail(c, aad.grantForOtherClient(), correlationId);
      grant = stored;
    }

    const found = grantUser(state, grant.tenantId, grant.userId);
    if (!found) return fail(c, aad.malformedGrant(), correlationId);
    if (!found.user.accountEnabled) return fail(c, { ...aad.accountDisabled(), error: 'invalid_grant' }, correlationId);
    c.set('tenantId', found.tenant.id);
    const user: TokenUser = {
      tenantId: found.tenant.id,
      userId: found.user.id,
      userPrincipalName: found.user.userPrincipalName,
      displayName: found.user.displayName,
      givenName: found.user.givenName,
      surname: found.user.surname,
      mail: found.user.mail,
    };
    const isOidc = (s: string): boolean => (OIDC_SCOPES as readonly string[]).includes(s);
    const scp = [...grant.scopes.filter((s) => !isOidc(s)), ...grant.scopes.filter((s) => isOidc(s) && s !== 'offline_access')];
    const lifetime = state.tokenLifetimeSeconds;
    const mint = { nowMs: state.now(), lifetimeSeconds: lifetime };
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: scp.join(' '),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: await mintDelegatedAccessToken(
        state.signingKeys,
        { user, appId: registered.appId, appDisplayName: registered.displayName, scopes: scp, clientAuthMethod: method },
        mint,
      ),
    };
    if (grant.scopes.includes('offline_access')) {
      const refreshToken = `1.AXsimR${randomBytes(48).toString('base64url')}`;
      state.refreshTokens.set(refreshToken, { tenantId: grant.tenantId, userId: grant.userId, appId: grant.appId, scopes: grant.scopes });
      body.refresh_token = refreshToken;
    }
    if (grant.scopes.includes('openid')) {
      body.id_token = await mintIdToken(
        state.signingKeys,
        { user, appId: registered.appId, issuer: `${requestOrigin(c)}/${user.tenantId}/v2.0`, nonce },
        { ...mint, lifetimeSeconds: 3600 },
      );
    }
    // msal asks for client_info=1: the account's home ids, base64url JSON.
    if (form.get('client_info') === '1') body.client_info = Buffer.from(JSON.stringify({ uid: user.userId, utid: user.tenantId })).toString('base64url');
    return jsonResponse(body, 200, {
      'Cache-Control': 'no-store, no-cache',
      Pragma: 'no-cache',
      ...(correlationId ? { 'client-request-id': correlationId } : {}),
    });
  };

  app.post('/:tenant/oauth2/v2.0/token', (c) => issue(c, 'v2'));
  app.post('/:tenant/oauth2/token', (c) => issue(c, 'v1'));

  app.get('/:tenant/v2.0/.well-known/openid-configuration', (c) => {
    const tenantName = c.req.param('tenant');
    // `common` and `organizations` publish their own endpoints and an issuer with a {tenantid}
    // placeholder: the signed-in user's home tenant fills it in.
    const multi = ['common', 'organizations'].includes(tenantName.toLowerCase());
    const tenant = multi ? undefined : state.findTenant(tenantName);
    if (!multi && !tenant) {
      const err = { ...aad.tenantNotFound(tenantName), error: 'invalid_tenant' as const };
      return fail(c, err, c.req.header('client-request-id'));
    }
    const base = `${requestOrigin(c)}/${tenant?.id ?? tenantName.toLowerCase()}`;
    return jsonResponse(
      {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: tenant ? `${base}/v2.0` : `${requestOrigin(c)}/{tenantid}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        code_challenge_methods_supported: ['plain', 'S256'],
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        claims_supported: [
          'sub',
          'iss',
          'cloud_instance_name',
          'cloud_instance_host_name',
          'cloud_graph_host_name',
          'msgraph_host',
          'aud',
          'exp',
          'iat',
          'auth_time',
          'acr',
          'nonce',
          'preferred_username',
          'name',
          'tid',
          'ver',
          'at_hash',
          'c_hash',
          'email',
        ],
        kerberos_endpoint: `${base}/kerberos`,
        tenant_region_scope: tenant ? 'NA' : null,
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
        rbac_url: 'https://pas.windows.net',
      },
      200,
    );
  });

  // Instance discovery. msal-node calls this on login.microsoftonline.com for unknown hosts
  // unless knownAuthorities / cloudDiscoveryMetadata are configured; served here for clients
  // whose network layer routes that host to the simulator.
  app.get('/common/discovery/instance', (c) => {
    const endpoint = c.req.query('authorization_endpoint');
    let host: string;
    let tenantSegment = 'common';
    try {
      const url = new URL(endpoint ?? '');
      host = url.host;
      tenantSegment = url.pathname.split('/').filter(Boolean)[0] ?? 'common';
    } catch {
      return jsonResponse({ error: 'invalid_instance', error_description: 'AADSTS50049: Unknown or invalid instance.', error_codes: [50049] }, 400);
    }
    return jsonResponse(
      {
        tenant_discovery_endpoint: `https://${host}/${tenantSegment}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      },
      200,
    );
  });

  const keys = (c: Context): Response => {
    const jwk = state.signingKeys.publicJwk;
    // The access tokens' header carries the same value as kid and x5t.
    return jsonResponse({ keys: [{ ...jwk, x5t: jwk.kid, issuer: `${requestOrigin(c)}/{tenantid}/v2.0` }] }, 200);
  };
  app.get('/common/discovery/v2.0/keys', keys);
  app.get('/common/discovery/keys', keys);
  app.get('/:tenant/discovery/v2.0/keys', keys);
  app.get('/:tenant/discovery/keys', keys);

  return app;
}
