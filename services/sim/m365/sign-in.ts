/**
 * Interactive sign-in and admin consent as Entra ID runs them in a browser:
 * `GET /{tenant}/oauth2/v2.0/authorize` (authorization code flow with PKCE) and
 * `GET /{tenant}/v2.0/adminconsent` (and the v1 `/{tenant}/adminconsent`) show a sign-in form
 * for the simulated users; the form posts to `/{tenant}/login`, the consent page to
 * `/{tenant}/consent`, and the browser is sent back to the app's redirect URI with a code
 * (redeemed at the token endpoint, token.ts) or the admin consent result.
 *
 * Errors Entra cannot safely send back to the app (unknown client, unregistered redirect URI,
 * unknown tenant) are shown as a page; every other error is a redirect with `error`,
 * `error_description` (`AADSTS…`), `error_uri` and `state`.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { aad, aadDescription, type AadError } from './entra-errors.ts';
import { graphServicePrincipal } from './directory.ts';
import type { SimEnv } from './env.ts';
import { findUser, RESOURCES, type PendingSignIn, type RegisteredApp, type ResourceKey, type SimState, type SimTenant } from './state.ts';
import type { GraphUser } from './records.ts';

/** OpenID Connect scopes: they ask for an ID token and a refresh token, not for a resource. */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

const CODE_LIFETIME_MS = 10 * 60_000;
const FLOW_LIFETIME_MS = 60 * 60_000;
const MULTI_TENANT_SEGMENTS = new Set(['common', 'organizations']);

/** Delegated Microsoft Graph permissions the simulated Graph defines, by lower-case name. */
const GRAPH_DELEGATED = new Map(
  graphServicePrincipal('00000000-0000-0000-0000-000000000000').oauth2PermissionScopes.map((s) => [s.value.toLowerCase(), s.value] as const),
);

/**
 * Splits requested scopes into OpenID scopes and delegated Graph permissions. `User.Read`,
 * `https://graph.microsoft.com/User.Read` and Graph's app id prefix all name the same
 * permission; `{graph}/.default` stands for `User.Read`, the permission every new registration
 * has. Other resources' delegated permissions are not simulated.
 */
export function parseDelegatedScopes(requested: string[], app: RegisteredApp): { scopes: string[] } | { error: AadError } {
  const out: string[] = [];
  for (const raw of requested) {
    const lower = raw.toLowerCase();
    if ((OIDC_SCOPES as readonly string[]).includes(lower)) {
      out.push(lower);
      continue;
    }
    let name = raw;
    for (const prefix of [RESOURCES.graph.uri, RESOURCES.graph.appId]) {
      if (lower.startsWith(`${prefix.toLowerCase()}/`)) name = raw.slice(prefix.length + 1);
    }
    if (name === raw && /^(https?:\/\/|[0-9a-f]{8}-)/i.test(raw)) {
      const resource = Object.values(RESOURCES).find((r) => lower.startsWith(`${r.uri.toLowerCase()}/`) || lower.startsWith(`${r.appId}/`));
      return { error: aad.scopeNotOnResource(app.displayName, raw, resource?.appId ?? raw.split('/').slice(0, -1).join('/')) };
    }
    if (name === '.default') {
      out.push('User.Read');
      continue;
    }
    const canonical = GRAPH_DELEGATED.get(name.toLowerCase());
    if (!canonical || (OIDC_SCOPES as readonly string[]).includes(canonical))
      return { error: aad.scopeNotOnResource(app.displayName, raw, RESOURCES.graph.appId) };
    out.push(canonical);
  }
  return { scopes: [...new Set(out)] };
}

/** RFC 7636: S256 is base64url(SHA-256(verifier)); plain compares as is. */
export function pkceMatches(verifier: string, challenge: string, method: 'S256' | 'plain'): boolean {
  if (method === 'plain') return verifier === challenge;
  return createHash('sha256').update(verifier, 'ascii').digest('base64url') === challenge;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch);
}

function page(title: string, body: string, status: 200 | 400 = 200): Response {
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}label{display:block;margin-top:.75rem}input[type=text],input[type=password]{width:100%;padding:.4rem}.error{color:#a4262c}button{margin-top:1rem;margin-right:.5rem}code{font-size:.85em}</style>
</head><body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
  return new Response(html, { status, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'X-Frame-Options': 'DENY' } });
}

/** An error Entra shows itself instead of redirecting (it cannot trust the redirect URI, or there is no app to return to). */
function errorPage(state: SimState, err: AadError): Response {
  const description = aadDescription(err, state.now());
  return page(
    'Sorry, but we’re having trouble signing you in.',
    `<p class="error" id="error-code">AADSTS${err.code}</p><pre id="error-description">${escapeHtml(description)}</pre>`,
    400,
  );
}

interface ValidatedRequest {
  app: RegisteredApp;
  redirectUri: string;
  pinned?: SimTenant;
}

/** The checks that end on an error page: tenant, client and redirect URI. */
function validateClient(state: SimState, tenantSegment: string, clientId: string | undefined, redirectUri: string | undefined): ValidatedRequest | Response {
  const multi = MULTI_TENANT_SEGMENTS.has(tenantSegment.toLowerCase());
  const pinned = multi ? undefined : state.findTenant(tenantSegment);
  if (!multi && !pinned) return errorPage(state, aad.tenantNotFound(tenantSegment));
  if (!clientId) return errorPage(state, aad.missingParameter('client_id'));
  const app = state.apps.get(clientId.toLowerCase());
  if (!app) return errorPage(state, aad.appNotFound(clientId, pinned?.initialDomain ?? tenantSegment));
  const registered = app.redirectUris ?? [];
  // Without redirect_uri Entra uses the registration's (first) reply URL.
  const uri = redirectUri ?? registered[0];
  if (!uri || !registered.includes(uri)) return errorPage(state, aad.redirectUriMismatch(uri ?? '', app.appId));
  return { app, redirectUri: uri, ...(pinned ? { pinned } : {}) };
}

/** Sends the browser back to the app: query string (default), fragment, or an auto-submitted form_post. */
function returnToApp(flow: Pick<PendingSignIn, 'redirectUri' | 'responseMode' | 'state'>, params: Record<string, string>): Response {
  const all = { ...params, ...(flow.state !== undefined ? { state: flow.state } : {}) };
  if (flow.responseMode === 'form_post') {
    const inputs = Object.entries(all)
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
      .join('');
    return page(
      'Working…',
      `<form method="POST" name="hiddenform" action="${escapeHtml(flow.redirectUri)}">${inputs}<noscript><p>Script is disabled. Click Submit to continue.</p><button type="submit">Submit</button></noscript></form><script>document.forms[0].submit()</script>`,
    );
  }
  const url = new URL(flow.redirectUri);
  const encoded = new URLSearchParams(all).toString();
  if (flow.responseMode === 'fragment') url.hash = encoded;
  else url.search = url.search ? `${url.search}&${encoded}` : encoded;
  return new Response(null, { status: 302, headers: { Location: url.toString(), 'Cache-Control': 'no-store' } });
}

function returnError(state: SimState, flow: Pick<PendingSignIn, 'redirectUri' | 'responseMode' | 'state'>, err: AadError, subcode?: string): Response {
  return returnToApp(flow, {
    error: err.error,
    error_description: aadDescription(err, state.now()),
    error_uri: `https://login.microsoftonline.com/error?code=${err.code}`,
    ...(subcode ? { error_subcode: subcode } : {}),
  });
}

function signInForm(segment: string, flow: PendingSignIn, app: RegisteredApp, error?: AadError, username?: string): Response {
  const purpose =
    flow.kind === 'adminconsent'
      ? `Sign in with an administrator account of the organisation to grant permissions to ${app.displayName}.`
      : `to continue to ${app.displayName}`;
  const problem = error
    ? `<p class="error" role="alert" id="error" data-code="AADSTS${error.code}">${escapeHtml(
        error.code === 50126
          ? 'Your account or password is incorrect.'
          : error.code === 50034
            ? 'We couldn’t find an account with that username.'
            : error.code === 50057
              ? 'Your account has been disabled.'
              : error.message,
      )} <code>AADSTS${error.code}</code></p>`
    : '';
  return page(
    'Sign in',
    `<p>${escapeHtml(purpose)}</p>${problem}
<form method="POST" action="/${escapeHtml(encodeURIComponent(segment))}/login">
<input type="hidden" name="flowToken" value="${escapeHtml(flow.flowToken)}">
<label>Email, phone, or Skype <input type="text" name="login" autocomplete="username" value="${escapeHtml(username ?? flow.loginHint ?? '')}"></label>
<label>Password <input type="password" name="passwd" autocomplete="current-password"></label>
<button type="submit" name="action" value="signin">Sign in</button>
<button type="submit" name="action" value="cancel">Cancel</button>
</form>`,
  );
}

/** The permissions admin consent will grant, as the consent page lists them. */
function requiredPermissionList(app: RegisteredApp): { resource: ResourceKey; permission: string }[] {
  return (Object.entries(app.requiredRoles ?? {}) as [ResourceKey, string[]][]).flatMap(([resource, roles]) =>
    roles.map((permission) => ({ resource, permission })),
  );
}

function consentPage(segment: string, flow: PendingSignIn, app: RegisteredApp, tenant: SimTenant): Response {
  const items = requiredPermissionList(app)
    .map((p) => `<li><strong>${escapeHtml(p.permission)}</strong> (${escapeHtml(RESOURCES[p.resource].displayName)})</li>`)
    .join('');
  return page(
    'Permissions requested',
    `<p>${escapeHtml(app.displayName)} wants application permissions in <strong>${escapeHtml(tenant.displayName)}</strong>. Accepting grants them for your whole organisation.</p>
<ul id="permissions">${items}</ul>
<form method="POST" action="/${escapeHtml(encodeURIComponent(segment))}/consent">
<input type="hidden" name="flowToken" value="${escapeHtml(flow.flowToken)}">
<button type="submit" name="decision" value="accept">Accept</button>
<button type="submit" name="decision" value="cancel">Cancel</button>
</form>`,
  );
}

function approvalRequiredPage(segment: string, flow: PendingSignIn, app: RegisteredApp): Response {
  return page(
    'Need admin approval',
    `<p>${escapeHtml(app.displayName)} needs permission to access resources in your organisation that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.</p>
<p class="error" data-code="AADSTS90094"><code>AADSTS90094</code></p>
<form method="POST" action="/${escapeHtml(encodeURIComponent(segment))}/consent">
<input type="hidden" name="flowToken" value="${escapeHtml(flow.flowToken)}">
<button type="submit" name="decision" value="back">Return to the application without granting consent</button>
</form>`,
  );
}

async function readForm(c: Context): Promise<URLSearchParams> {
  return new URLSearchParams(await c.req.text());
}

/** Issues a single-use authorization code for the signed-in user and sends it to the app. */
function issueCode(state: SimState, flow: PendingSignIn, tenant: SimTenant, user: GraphUser): Response {
  const code = `1.AXsim${randomBytes(48).toString('base64url')}`;
  state.authorizationCodes.set(code, {
    tenantId: tenant.id,
    userId: user.id,
    appId: flow.appId,
    scopes: flow.scopes,
    redirectUri: flow.redirectUri,
    ...(flow.nonce !== undefined ? { nonce: flow.nonce } : {}),
    ...(flow.codeChallenge !== undefined ? { codeChallenge: flow.codeChallenge, codeChallengeMethod: flow.codeChallengeMethod ?? 'plain' } : {}),
    expiresAt: state.now() + CODE_LIFETIME_MS,
    redeemed: false,
  });
  return returnToApp(flow, { code, session_state: randomUUID() });
}

/** Records tenant-wide consent and sends the v2 (with `scope`) or v1 answer. */
function completeAdminConsent(state: SimState, flow: PendingSignIn, app: RegisteredApp, tenant: SimTenant): Response {
  state.grantAdminConsent(tenant, app);
  const granted = requiredPermissionList(app).map((p) => `${RESOURCES[p.resource].uri}/${p.permission}`);
  return returnToApp(flow, {
    admin_consent: 'True',
    tenant: tenant.id,
    ...(flow.version === 'v2' ? { scope: granted.join(' ') } : {}),
  });
}

export function signInRoutes(state: SimState): Hono<SimEnv> {
  const app = new Hono<SimEnv>();

  const startFlow = (flow: Omit<PendingSignIn, 'flowToken' | 'stage' | 'expiresAt'>): PendingSignIn => {
    // Drop abandoned flows so a long-running simulator does not accumulate them.
    const now = state.now();
    for (const [token, f] of state.pendingSignIns) if (f.expiresAt <= now) state.pendingSignIns.delete(token);
    const full: PendingSignIn = { ...flow, flowToken: randomBytes(32).toString('base64url'), stage: 'credentials', expiresAt: now + FLOW_LIFETIME_MS };
    state.pendingSignIns.set(full.flowToken, full);
    return full;
  };

  app.get('/:tenant/oauth2/v2.0/authorize', (c) => {
    const q = (name: string): string | undefined => c.req.query(name);
    const segment = c.req.param('tenant');
    const checked = validateClient(state, segment, q('client_id'), q('redirect_uri'));
    if (checked instanceof Response) return checked;
    const { app: registered, redirectUri, pinned } = checked;
    if (pinned) c.set('tenantId', pinned.id);
    c.set('appId', registered.appId);
    const responseModeParam = q('response_mode');
    const responseMode = responseModeParam === 'form_post' || responseModeParam === 'fragment' ? responseModeParam : 'query';
    const back = { redirectUri, responseMode, ...(q('state') !== undefined ? { state: q('state') } : {}) } as const;

    const responseType = q('response_type');
    if (!responseType) return returnError(state, back, aad.missingParameter('response_type'));
    if (responseType !== 'code') return returnError(state, back, aad.unsupportedResponseType(responseType));
    const scope = q('scope');
    if (!scope) return returnError(state, back, aad.missingParameter('scope'));
    const parsed = parseDelegatedScopes(scope.split(/\s+/).filter(Boolean), registered);
    if ('error' in parsed) return returnError(state, back, parsed.error);
    const challenge = q('code_challenge');
    const method = q('code_challenge_method') ?? (challenge ? 'plain' : undefined);
    if (method !== undefined && method !== 'S256' && method !== 'plain') return returnError(state, back, aad.codeChallengeMethod(method));
    // No single sign-on session is kept, so a silent request always needs interaction.
    if (q('prompt') === 'none') return returnError(state, back, aad.loginRequired());

    const flow = startFlow({
      kind: 'authorize',
      version: 'v2',
      ...(pinned ? { pinnedTenantId: pinned.id } : {}),
      appId: registered.appId,
      redirectUri,
      responseMode,
      ...(q('state') !== undefined ? { state: q('state') } : {}),
      ...(q('nonce') !== undefined ? { nonce: q('nonce') } : {}),
      scopes: parsed.scopes,
      ...(challenge ? { codeChallenge: challenge, codeChallengeMethod: method as 'S256' | 'plain' } : {}),
      ...(q('login_hint') ? { loginHint: q('login_hint') } : {}),
    });
    return signInForm(segment, flow, registered);
  });

  const adminConsent = (version: 'v1' | 'v2') => (c: Context<SimEnv>) => {
    const q = (name: string): string | undefined => c.req.query(name);
    const segment = c.req.param('tenant') ?? '';
    const checked = validateClient(state, segment, q('client_id'), q('redirect_uri'));
    if (checked instanceof Response) return checked;
    const { app: registered, redirectUri, pinned } = checked;
    if (pinned) c.set('tenantId', pinned.id);
    c.set('appId', registered.appId);
    const back = { redirectUri, responseMode: 'query', ...(q('state') !== undefined ? { state: q('state') } : {}) } as const;
    if (version === 'v2') {
      // v2 admin consent takes `{resource}/.default` (every permission the registration lists).
      const scope = q('scope');
      if (!scope) return returnError(state, back, aad.missingParameter('scope'));
      const scopes = scope.split(/\s+/).filter(Boolean);
      const notDefault = scopes.find((s) => !s.endsWith('/.default'));
      if (notDefault) return returnError(state, back, aad.scopeNotDefault(notDefault));
    }
    const flow = startFlow({
      kind: 'adminconsent',
      version,
      ...(pinned ? { pinnedTenantId: pinned.id } : {}),
      appId: registered.appId,
      redirectUri,
      responseMode: 'query',
      ...(q('state') !== undefined ? { state: q('state') } : {}),
      scopes: [],
    });
    return signInForm(segment, flow, registered);
  };
  app.get('/:tenant/v2.0/adminconsent', adminConsent('v2'));
  app.get('/:tenant/adminconsent', adminConsent('v1'));

  const flowFrom = (form: URLSearchParams): PendingSignIn | undefined => {
    const flow = state.pendingSignIns.get(form.get('flowToken') ?? '');
    if (!flow || flow.expiresAt <= state.now()) return undefined;
    return flow;
  };

  app.post('/:tenant/login', async (c) => {
    const segment = c.req.param('tenant');
    const form = await readForm(c);
    const flow = flowFrom(form);
    if (!flow) return errorPage(state, aad.flowExpired());
    const registered = state.apps.get(flow.appId.toLowerCase());
    if (!registered) return errorPage(state, aad.appNotFound(flow.appId, segment));
    c.set('appId', registered.appId);
    if (form.get('action') === 'cancel') {
      state.pendingSignIns.delete(flow.flowToken);
      return returnError(state, flow, aad.userDeclined(), 'cancel');
    }
    const username = (form.get('login') ?? '').trim();
    const pinned = flow.pinnedTenantId ? state.tenants.get(flow.pinnedTenantId) : undefined;
    // A named tenant looks for the account there; common / organizations find its home tenant.
    const found = state.findUserByUpn(username);
    if (!found) return signInForm(segment, flow, registered, aad.userNotFound(pinned?.initialDomain ?? username.split('@')[1] ?? ''), username);
    const { tenant, user } = found;
    c.set('tenantId', tenant.id);
    if (pinned && pinned.id !== tenant.id)
      return signInForm(
        segment,
        flow,
        registered,
        aad.userNotInTenant(user.userPrincipalName, tenant.id, pinned.displayName, registered.appId, registered.displayName),
        username,
      );
    if (form.get('passwd') !== state.userPassword(tenant, user.id)) return signInForm(segment, flow, registered, aad.badPassword(), username);
    if (!user.accountEnabled) return signInForm(segment, flow, registered, aad.accountDisabled(), username);
    flow.user = { tenantId: tenant.id, userId: user.id };

    if (flow.kind === 'authorize') {
      state.pendingSignIns.delete(flow.flowToken);
      return issueCode(state, flow, tenant, user);
    }
    if (!state.canGrantAdminConsent(tenant, user.id)) {
      flow.stage = 'approval-required';
      return approvalRequiredPage(segment, flow, registered);
    }
    flow.stage = 'consent';
    return consentPage(segment, flow, registered, tenant);
  });

  app.post('/:tenant/consent', async (c) => {
    const segment = c.req.param('tenant');
    const form = await readForm(c);
    const flow = flowFrom(form);
    if (!flow || flow.kind !== 'adminconsent' || !flow.user || flow.stage === 'credentials') return errorPage(state, aad.flowExpired());
    state.pendingSignIns.delete(flow.flowToken);
    const registered = state.apps.get(flow.appId.toLowerCase());
    const tenant = state.tenants.get(flow.user.tenantId);
    if (!registered || !tenant) return errorPage(state, aad.appNotFound(flow.appId, segment));
    c.set('appId', registered.appId);
    c.set('tenantId', tenant.id);
    if (flow.stage === 'approval-required') return returnError(state, flow, aad.adminConsentRequired(), 'cancel');
    if (form.get('decision') !== 'accept') return returnError(state, flow, aad.userDeclined(), 'cancel');
    return completeAdminConsent(state, flow, registered, tenant);
  });

  // Sign-out: no single sign-on session is kept, so there is nothing to end but the redirect,
  // which goes only to an address some app registered (never an open redirect).
  app.get('/:tenant/oauth2/v2.0/logout', (c) => {
    const target = c.req.query('post_logout_redirect_uri');
    if (target && [...state.apps.values()].some((a) => (a.redirectUris ?? []).includes(target))) return c.redirect(target, 302);
    return page('You signed out of your account', '<p>It’s a good idea to close all browser windows.</p>');
  });

  return app;
}

/** Looks up the user an authorization code or refresh token was issued for. */
export function grantUser(state: SimState, tenantId: string, userId: string): { tenant: SimTenant; user: GraphUser } | undefined {
  const tenant = state.tenants.get(tenantId);
  const user = tenant ? findUser(tenant, userId) : undefined;
  return tenant && user ? { tenant, user } : undefined;
}
