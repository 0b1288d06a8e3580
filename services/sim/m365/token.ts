/**
 * The Entra ID v2.0 token endpoint (client credentials, with a client secret or a certificate
 * assertion), OpenID Connect discovery, instance discovery and JWKS, as msal-node calls them.
 */
import { Hono, type Context } from 'hono';
import { base64url, compactVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import { aad, aadErrorBody, type AadError } from './entra-errors.ts';
import { mintAccessToken } from './access-token.ts';
import { jsonResponse, requestOrigin } from './http-util.ts';
import type { SimEnv } from './env.ts';
import { RESOURCES, type ResourceKey, type SimState, type SimTenant, type RegisteredApp, type AppConsent } from './state.ts';

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
function acceptedAudiences(origin: string, tenant: SimTenant): string[] {
  const hosts = [origin, 'https://login.microsoftonline.com'];
  const names = [tenant.id, ...tenant.domains];
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
  const aud = Array.isArray(claims.aud) ? claims.aud[0] ?? '' : claims.aud ?? '';
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
    return jsonResponse(body, 200, { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache', ...(correlationId ? { 'client-request-id': correlationId } : {}) });
  };
  app.post('/:tenant/oauth2/v2.0/token', (c) => issue(c, 'v2'));
  app.post('/:tenant/oauth2/token', (c) => issue(c, 'v1'));

  app.get('/:tenant/v2.0/.well-known/openid-configuration', (c) => {
    const tenantName = c.req.param('tenant');
    const tenant = state.findTenant(tenantName);
    if (!tenant) {
      const err = { ...aad.tenantNotFound(tenantName), error: 'invalid_tenant' as const };
      return fail(c, err, c.req.header('client-request-id'));
    }
    const base = `${requestOrigin(c)}/${tenant.id}`;
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
        issuer: `${base}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
        kerberos_endpoint: `${base}/kerberos`,
        tenant_region_scope: 'NA',
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
      return jsonResponse(
        { error: 'invalid_instance', error_description: "AADSTS50049: Unknown or invalid instance.", error_codes: [50049] },
        400,
      );
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
