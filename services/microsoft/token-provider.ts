import { ConfidentialClientApplication } from '@azure/msal-node';
import type { Config } from '../config.ts';
import type { SecretBox } from '../crypto.ts';
import { endpointsFor, type EndpointSettings } from './endpoints.ts';
import { CollectError, fromMsalError } from './errors.ts';

/** Resource identifiers (token audiences), not addresses: the same for simulator and service. */
export const RESOURCES = {
  graph: 'https://graph.microsoft.com/.default',
  manage: 'https://manage.office.com/.default',
  /** The Exchange Online admin API (InvokeCommand), for mail flow rules and mailbox settings. */
  exchange: 'https://outlook.office365.com/.default',
} as const;
export type Resource = keyof typeof RESOURCES;

/** What the provider needs of a tenant row. */
export type TenantAuth = {
  tenantGuid: string;
  authMode: 'consent' | 'secret' | 'certificate';
  clientId: string | null;
  credentialsEnc: string | null;
  /** The demo tenant signs in at the demo's simulator (endpoints.ts). */
  isDemo?: boolean;
};

export type TokenProvider = {
  /** An app-only access token for the tenant; `fresh` skips msal's cache (after a 401). */
  getToken(tenant: TenantAuth, resource: Resource, options?: { fresh?: boolean }): Promise<string>;
  /** The application permissions (`roles`) the tenant granted, read from a fresh token. */
  grantedRoles(tenant: TenantAuth, resource: Resource): Promise<string[]>;
};

/** Renew a token this long before it expires (msal's own renewal offset). */
const RENEW_BEFORE_MS = 300_000;

/**
 * Client-credentials tokens through @azure/msal-node, one ConfidentialClientApplication per
 * tenant and app. Tokens are kept here until shortly before they expire, and concurrent requests
 * for the same token share one sign-in: an msal cache lookup costs more CPU than the collector's
 * request it authorises. Only the login base URL differs between Microsoft and the simulator.
 *
 * Why not one application per app, with each tenant's authority passed per request (msal allows
 * it)? msal-node's in-memory cache rebuilds and scans every entry on each lookup and each write,
 * so one application serving 1,000 tenants costs time in proportion to the tenants on every
 * token; measured with `npm run bench:collect`, it was slower than one small cache per tenant.
 */
export function createTokenProvider(config: Pick<Config, 'microsoft'> & EndpointSettings, secrets: SecretBox): TokenProvider {
  const apps = new Map<string, ConfidentialClientApplication>();
  const tokens = new Map<string, { accessToken: string; renewAt: number }>();
  const pending = new Map<string, Promise<string>>();

  function appKey(tenant: TenantAuth): string {
    const { loginUrl } = endpointsFor(config, tenant);
    return `${loginUrl}|${tenant.tenantGuid}|${tenant.authMode}|${tenant.clientId ?? ''}|${tenant.credentialsEnc ?? ''}`;
  }

  function appFor(key: string, tenant: TenantAuth): ConfidentialClientApplication {
    const cached = apps.get(key);
    if (cached) return cached;
    const { loginUrl } = endpointsFor(config, tenant);
    const loginHost = new URL(loginUrl).host;
    const base = `${loginUrl}/${tenant.tenantGuid}`;
    const auth = {
      authority: base,
      // A known authority skips msal's instance discovery at login.microsoftonline.com, and the
      // Entra v2 endpoints given here skip the OpenID discovery call each new tenant would
      // otherwise cost (msal's documented way to avoid both).
      knownAuthorities: [loginHost],
      authorityMetadata: JSON.stringify({
        token_endpoint: `${base}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        issuer: `${base}/v2.0`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
      }),
    };
    let app: ConfidentialClientApplication;
    if (tenant.authMode === 'consent') {
      if (!config.microsoft.clientId || !config.microsoft.clientSecret) {
        throw new CollectError(
          'This tenant was onboarded by admin consent, but the MSP app is not configured (set TW_MS_CLIENT_ID and TW_MS_CLIENT_SECRET).',
          'auth',
        );
      }
      app = new ConfidentialClientApplication({ auth: { ...auth, clientId: config.microsoft.clientId, clientSecret: config.microsoft.clientSecret } });
    } else {
      if (!tenant.clientId || !tenant.credentialsEnc) throw new CollectError('The tenant has no app credentials: add them on the tenant page.', 'auth');
      const creds = JSON.parse(secrets.open(tenant.credentialsEnc)) as { clientSecret?: string; privateKeyPem?: string; thumbprint?: string };
      app =
        tenant.authMode === 'secret'
          ? new ConfidentialClientApplication({ auth: { ...auth, clientId: tenant.clientId, clientSecret: creds.clientSecret ?? '' } })
          : new ConfidentialClientApplication({
              auth: { ...auth, clientId: tenant.clientId, clientCertificate: { thumbprint: creds.thumbprint ?? '', privateKey: creds.privateKeyPem ?? '' } },
            });
    }
    apps.set(key, app);
    return app;
  }

  async function signIn(key: string, tenant: TenantAuth, resource: Resource, fresh: boolean): Promise<string> {
    try {
      const result = await appFor(key, tenant).acquireTokenByClientCredential({ scopes: [RESOURCES[resource]], skipCache: fresh });
      if (!result?.accessToken) throw new CollectError('The sign-in service returned no token.', 'transient');
      const expiresAt = result.expiresOn?.getTime() ?? Date.now();
      const renewAt = Math.min(expiresAt - RENEW_BEFORE_MS, result.refreshOn?.getTime() ?? Infinity);
      tokens.set(`${key}|${resource}`, { accessToken: result.accessToken, renewAt });
      return result.accessToken;
    } catch (err) {
      if (err instanceof CollectError) throw err;
      throw fromMsalError(err);
    }
  }

  function acquire(tenant: TenantAuth, resource: Resource, fresh: boolean): Promise<string> {
    const key = appKey(tenant);
    const tokenKey = `${key}|${resource}`;
    if (!fresh) {
      const held = tokens.get(tokenKey);
      if (held && held.renewAt > Date.now()) return Promise.resolve(held.accessToken);
      const inFlight = pending.get(tokenKey);
      if (inFlight) return inFlight;
    } else tokens.delete(tokenKey);
    const request = signIn(key, tenant, resource, fresh).finally(() => {
      if (pending.get(tokenKey) === request) pending.delete(tokenKey);
    });
    pending.set(tokenKey, request);
    return request;
  }

  return {
    getToken: (tenant, resource, options = {}) => acquire(tenant, resource, options.fresh ?? false),
    async grantedRoles(tenant, resource) {
      const token = await acquire(tenant, resource, true);
      const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { roles?: unknown };
      return Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
    },
  };
}
