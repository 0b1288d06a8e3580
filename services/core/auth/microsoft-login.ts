import { ConfidentialClientApplication, CryptoProvider } from '@azure/msal-node';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import { randomToken, safeEqual, type SecretBox } from '../../crypto.ts';

/**
 * "Sign in with Microsoft" for MSP staff: OpenID Connect, authorization code + PKCE, through
 * @azure/msal-node with the MSP's own multi-tenant app (TW_MS_CLIENT_ID / TW_MS_CLIENT_SECRET).
 *
 * The flow's secrets (state, nonce, PKCE verifier) and where to go afterwards travel in a
 * cookie sealed with the SecretBox (AES-GCM): the browser cannot read or change it, and it
 * expires with the flow. The callback must bring back the same `state` as the cookie.
 *
 * Node only: Workers do not run msal-node, so there the sign-in page does not offer it.
 */

export const MICROSOFT_CALLBACK_PATH = '/api/v1/auth/microsoft/callback';
/** How long the browser may stay on Microsoft's pages. */
export const MICROSOFT_FLOW_MINUTES = 10;
const SCOPES = ['openid', 'profile', 'email'];

const CONSENT_SCOPES = ['openid', 'profile'];

// `t`: the tenant the sign-in is pinned to (absent: any organisation).
const flowSchema = z.object({ s: z.string(), n: z.string(), v: z.string(), next: z.string(), e: z.number(), t: z.string().optional() });
export type MicrosoftFlow = z.infer<typeof flowSchema>;

/** What Tenantwatch takes from Microsoft's ID token once it has been checked. */
export type MicrosoftIdentity = {
  tenantId: string;
  objectId: string;
  /** The sign-in name (UPN) in the account's home tenant, lower-case. */
  username: string | null;
  name: string | null;
};

/** The Microsoft side failed or was refused, in words for the sign-in page. */
export class MicrosoftSignInError extends Error {
  override name = 'MicrosoftSignInError';
}

export type MicrosoftLogin = {
  redirectUri: string;
  /** Microsoft's authorize URL and the sealed cookie value that must come back with the browser. */
  start(next: string): Promise<{ url: string; cookie: string; expiresAt: Date }>;
  /** Redeems the code (with the PKCE verifier) and checks the ID token; throws MicrosoftSignInError. */
  finish(input: { code: string; state: string; cookie: string | undefined }): Promise<{ identity: MicrosoftIdentity; next: string }>;
  /**
   * A sign-in pinned to one tenant that returns to `redirectUri` with the caller's own `state`
   * (scopes `openid profile`): how the admin consent callback learns the tenant from Microsoft's
   * signed ID token. Finish it with `finish` and the same redirect URI.
   */
  startInTenant(input: { tenantGuid: string; state: string; redirectUri: string }): Promise<{ url: string; cookie: string; expiresAt: Date }>;
  finishInTenant(input: {
    code: string;
    state: string;
    cookie: string | undefined;
    redirectUri: string;
  }): Promise<{ identity: MicrosoftIdentity; tenantGuid: string }>;
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The sign-in client, or null when the MSP app is not configured. */
export function createMicrosoftLogin(config: Pick<Config, 'microsoft' | 'publicUrl'>, secrets: SecretBox): MicrosoftLogin | null {
  const { clientId, clientSecret, loginUrl } = config.microsoft;
  if (!clientId || !clientSecret) return null;
  const appId = clientId;
  // `organizations`: any work account, whatever its tenant; who may get in is decided by
  // Tenantwatch's own user list, never by the tenant. A consent sign-in names its tenant.
  const clientFor = (segment: string) => {
    const base = `${loginUrl}/${segment}`;
    return new ConfidentialClientApplication({
      auth: {
        clientId,
        clientSecret,
        authority: base,
        knownAuthorities: [new URL(loginUrl).host],
        authorityMetadata: JSON.stringify({
          token_endpoint: `${base}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          issuer: `${loginUrl}/{tenantid}/v2.0`,
          jwks_uri: `${base}/discovery/v2.0/keys`,
        }),
      },
    });
  };
  const cca = clientFor('organizations');
  const pkce = new CryptoProvider();
  const redirectUri = `${config.publicUrl}${MICROSOFT_CALLBACK_PATH}`;

  function openFlow(cookie: string | undefined): MicrosoftFlow | null {
    if (!cookie) return null;
    try {
      const parsed = flowSchema.safeParse(JSON.parse(secrets.open(cookie)));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  return {
    redirectUri,
    async start(next) {
      const { verifier, challenge } = await pkce.generatePkceCodes();
      const state = randomToken(24);
      const nonce = randomToken(24);
      const expiresAt = new Date(Date.now() + MICROSOFT_FLOW_MINUTES * 60_000);
      const url = await cca.getAuthCodeUrl({
        scopes: SCOPES,
        redirectUri,
        codeChallenge: challenge,
        codeChallengeMethod: 'S256',
        state,
        nonce,
        prompt: 'select_account',
      });
      const flow: MicrosoftFlow = { s: state, n: nonce, v: verifier, next, e: expiresAt.getTime() };
      return { url, cookie: secrets.seal(JSON.stringify(flow)), expiresAt };
    },
    async finish({ code, state, cookie }) {
      const flow = checkFlow(openFlow(cookie), state);
      // A consent sign-in's cookie never signs anyone in to Tenantwatch.
      if (flow.t)
        throw new MicrosoftSignInError('The Microsoft sign-in could not be matched to this browser (it was started elsewhere or already finished). Try again.');
      const identity = await redeem(cca, SCOPES, redirectUri, code, state, flow);
      return { identity, next: flow.next };
    },
    async startInTenant({ tenantGuid, state, redirectUri: returnTo }) {
      if (!GUID.test(tenantGuid)) throw new MicrosoftSignInError('The tenant to sign in to is not a tenant id.');
      const tenant = tenantGuid.toLowerCase();
      const { verifier, challenge } = await pkce.generatePkceCodes();
      const nonce = randomToken(24);
      const expiresAt = new Date(Date.now() + MICROSOFT_FLOW_MINUTES * 60_000);
      // select_account: the browser may hold several Microsoft sessions; the administrator picks the one that just consented.
      const url = await clientFor(tenant).getAuthCodeUrl({
        scopes: CONSENT_SCOPES,
        redirectUri: returnTo,
        codeChallenge: challenge,
        codeChallengeMethod: 'S256',
        state,
        nonce,
        prompt: 'select_account',
      });
      const flow: MicrosoftFlow = { s: state, n: nonce, v: verifier, next: '', e: expiresAt.getTime(), t: tenant };
      return { url, cookie: secrets.seal(JSON.stringify(flow)), expiresAt };
    },
    async finishInTenant({ code, state, cookie, redirectUri: returnTo }) {
      const flow = checkFlow(openFlow(cookie), state);
      if (!flow.t)
        throw new MicrosoftSignInError('The Microsoft sign-in could not be matched to this browser (it was started elsewhere or already finished). Try again.');
      const identity = await redeem(clientFor(flow.t), CONSENT_SCOPES, returnTo, code, state, flow);
      return { identity, tenantGuid: flow.t };
    },
  };

  function checkFlow(flow: MicrosoftFlow | null, state: string): MicrosoftFlow {
    if (!flow)
      throw new MicrosoftSignInError('The Microsoft sign-in could not be matched to this browser (it was started elsewhere or already finished). Try again.');
    if (flow.e <= Date.now()) throw new MicrosoftSignInError(`The Microsoft sign-in took longer than ${MICROSOFT_FLOW_MINUTES} minutes. Try again.`);
    if (!safeEqual(state, flow.s))
      throw new MicrosoftSignInError('The answer from Microsoft does not belong to this sign-in (its state does not match). Try again.');
    return flow;
  }

  async function redeem(
    client: ConfidentialClientApplication,
    scopes: string[],
    returnTo: string,
    code: string,
    state: string,
    flow: MicrosoftFlow,
  ): Promise<MicrosoftIdentity> {
    let claims: Record<string, unknown>;
    try {
      const result = await client.acquireTokenByCode(
        { code, scopes, redirectUri: returnTo, codeVerifier: flow.v, state: flow.s, nonce: flow.n },
        { code, state, nonce: flow.n },
      );
      claims = (result.idTokenClaims ?? {}) as Record<string, unknown>;
    } catch (err) {
      const message = err instanceof Error ? err.message.split(/\r?\n/)[0]?.slice(0, 300) : '';
      throw new MicrosoftSignInError(`Microsoft did not complete the sign-in${message ? `: ${message}` : '.'} Try again.`);
    }
    return checkIdToken(claims, { clientId: appId, loginUrl, nonce: flow.n });
  }
}

/**
 * The checks on the ID token that msal-node leaves to the application. It came straight from
 * the token endpoint over TLS in exchange for our code and verifier, so its signature need not
 * be checked again (OpenID Connect Core 3.1.3.7); its audience, issuer, expiry, nonce and
 * subject are.
 */
export function checkIdToken(
  claims: Record<string, unknown>,
  expected: { clientId: string; loginUrl: string; nonce: string; nowMs?: number },
): MicrosoftIdentity {
  const refuse = (why: string): never => {
    throw new MicrosoftSignInError(`Microsoft's answer was not accepted (${why}). Try again.`);
  };
  const tid = typeof claims.tid === 'string' ? claims.tid.toLowerCase() : '';
  const oid = typeof claims.oid === 'string' ? claims.oid.toLowerCase() : '';
  if (!GUID.test(tid) || !GUID.test(oid)) refuse('no tenant or object id');
  if (claims.aud !== expected.clientId) refuse('issued to another application');
  if (typeof claims.iss !== 'string' || claims.iss.toLowerCase() !== `${expected.loginUrl}/${tid}/v2.0`.toLowerCase()) refuse('unexpected issuer');
  if (typeof claims.nonce !== 'string' || !safeEqual(claims.nonce, expected.nonce)) refuse('nonce mismatch');
  const now = Math.floor((expected.nowMs ?? Date.now()) / 1000);
  // Five minutes of leeway for clock skew, as msal allows for access tokens.
  if (typeof claims.exp !== 'number' || claims.exp + 300 < now) refuse('expired');
  const username = typeof claims.preferred_username === 'string' ? claims.preferred_username.trim().toLowerCase() : null;
  const name = typeof claims.name === 'string' ? claims.name : null;
  return { tenantId: tid, objectId: oid, username, name };
}
