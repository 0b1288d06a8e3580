/**
 * Microsoft Graph for every stage (collector, enrichment, remediation), through
 * @microsoft/microsoft-graph-client: reads and writes alike, one client per tenant.
 *
 * @example
 *   const graph = graphClientFor({ config, tokens }, tenantRow);
 *   const user = await graph.get<{ id: string }>('/users/megan@contoso.com', { query: { $select: 'id,accountEnabled' } });
 *   await graph.patch(`/users/${id}`, { accountEnabled: false }, { permission: 'User.EnableDisableAccount.All' });
 *   await graph.post(`/users/${id}/revokeSignInSessions`, {}, { permission: 'User.RevokeSessions.All' });
 *   orThrow(await graph.delete(`/users/${id}/mailFolders/inbox/messageRules/${ruleId}`));
 */
import { AuthenticationHandlerOptions, Client, GraphError, RetryHandlerOptions, type AuthenticationProvider } from '@microsoft/microsoft-graph-client';
import type { MicrosoftAnswer, MicrosoftFailure } from './answer.ts';
import { endpointsFor, type EndpointSettings } from './endpoints.ts';
import { CollectError, parseRetryAfter, serviceError } from './errors.ts';
import type { TenantAuth, TokenProvider } from './token-provider.ts';

/** An app-only token for the client's tenant and resource; `fresh` skips any cache (after a 401). */
export type TokenSource = (options: { fresh: boolean }) => Promise<string>;

export interface GraphClientOptions {
  /** `https://graph.microsoft.com` (or the simulator). */
  baseUrl: string;
  token: TokenSource;
  /**
   * Retry-After up to this many seconds is waited out inside the call; longer throttling ends
   * the call (with `retryAfterSeconds`) so the caller's schedule does the waiting rather than a
   * held worker. Default 2.
   */
  maxInlineWaitSeconds?: number;
  /** The SDK's wait between its retries of 429/503/504 when Graph says nothing. Default 0.5 s. */
  retryDelaySeconds?: number;
}

export type GraphMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface GraphCallOptions {
  /** OData and other query parameters, e.g. `{ $select: 'id', $top: 100 }` (or put them in the path). */
  query?: Record<string, string | number>;
  headers?: Record<string, string>;
  /** The permission the call needs: a 403 then says in plain words that the tenant has not granted it. */
  permission?: string;
}

export interface GraphClient {
  /**
   * One call under /v1.0; `path` is relative (`/users/{id}`) or an `@odata.nextLink`. Never
   * throws: the answer is the body or a failure (see MicrosoftAnswer). A 401 is retried once
   * with a fresh token.
   */
  call<T>(method: GraphMethod, path: string, options?: GraphCallOptions & { body?: unknown }): Promise<MicrosoftAnswer<T>>;
  get<T>(path: string, options?: GraphCallOptions): Promise<MicrosoftAnswer<T>>;
  post<T = unknown>(path: string, body: unknown, options?: GraphCallOptions): Promise<MicrosoftAnswer<T>>;
  patch<T = unknown>(path: string, body: unknown, options?: GraphCallOptions): Promise<MicrosoftAnswer<T>>;
  put<T = unknown>(path: string, body: unknown, options?: GraphCallOptions): Promise<MicrosoftAnswer<T>>;
  delete(path: string, options?: GraphCallOptions): Promise<MicrosoftAnswer<undefined>>;
}

const SERVICE = 'Microsoft Graph';

/** A Graph client on explicit settings; `graphClientFor` is the one for a tenant row. */
export function createGraphClient(options: GraphClientOptions): GraphClient {
  const maxInlineWait = options.maxInlineWaitSeconds ?? 2;
  // The SDK's retry middleware would otherwise wait out any Retry-After (up to 180 s) in place.
  // It passes its configured delay to this callback, not the server's: read Retry-After here.
  const retryOptions = new RetryHandlerOptions(options.retryDelaySeconds ?? 0.5, 2, (_delay, _attempt, _request, _options, response) => {
    const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
    return retryAfter === undefined || retryAfter <= maxInlineWait;
  });
  const client = Client.initWithMiddleware({
    // Each call brings its own provider (below); this one serves anything else.
    authProvider: { getAccessToken: () => options.token({ fresh: false }) },
    baseUrl: `${options.baseUrl.replace(/\/+$/, '')}/`,
    defaultVersion: 'v1.0',
    customHosts: new Set([new URL(options.baseUrl).hostname]),
  });

  async function once<T>(method: GraphMethod, path: string, call: GraphCallOptions & { body?: unknown }, fresh: boolean): Promise<MicrosoftAnswer<T>> {
    // The SDK wraps whatever the provider throws: keep the sign-in's own error to report it as it is.
    let tokenError: unknown;
    const auth: AuthenticationProvider = {
      getAccessToken: async () => {
        try {
          return await options.token({ fresh });
        } catch (err) {
          tokenError = err ?? new Error('no token');
          throw err;
        }
      },
    };
    let request = client.api(path).middlewareOptions([retryOptions, new AuthenticationHandlerOptions(auth)]);
    if (call.query) request = request.query(call.query);
    if (call.headers) request = request.headers(call.headers);
    try {
      const body: unknown =
        method === 'GET'
          ? await request.get()
          : method === 'POST'
            ? await request.post(call.body)
            : method === 'PATCH'
              ? await request.patch(call.body)
              : method === 'PUT'
                ? await request.put(call.body)
                : await request.delete();
      return { ok: true, body: body as T };
    } catch (err) {
      return { ok: false, failure: failureOf(err, tokenError, call.permission) };
    }
  }

  async function call<T>(method: GraphMethod, path: string, callOptions: GraphCallOptions & { body?: unknown } = {}): Promise<MicrosoftAnswer<T>> {
    const first = await once<T>(method, path, callOptions, false);
    if (first.ok || first.failure.status !== 401) return first;
    // A revoked or expired token: ask for a new one once before calling it a permission problem.
    return once<T>(method, path, callOptions, true);
  }

  return {
    call,
    get: (path, o) => call('GET', path, o),
    post: (path, body, o) => call('POST', path, { ...o, body }),
    patch: (path, body, o) => call('PATCH', path, { ...o, body }),
    put: (path, body, o) => call('PUT', path, { ...o, body }),
    delete: (path, o) => call('DELETE', path, o),
  };
}

/** Where `graphClientFor` finds a tenant's Graph address and tokens (the runtime's config and token provider). */
export type MicrosoftAccess = { config: EndpointSettings; tokens: Pick<TokenProvider, 'getToken'> };

/**
 * The Graph client of one tenant row: its endpoints (Microsoft's, or the demo simulator for
 * the demo tenant) and its own app-only tokens.
 */
export function graphClientFor(access: MicrosoftAccess, tenant: TenantAuth, options: Omit<GraphClientOptions, 'baseUrl' | 'token'> = {}): GraphClient {
  return createGraphClient({
    ...options,
    baseUrl: endpointsFor(access.config, tenant).graphUrl,
    token: ({ fresh }) => access.tokens.getToken(tenant, 'graph', { fresh }),
  });
}

function failureOf(err: unknown, tokenError: unknown, permission: string | undefined): MicrosoftFailure {
  if (tokenError !== undefined) {
    const message = errorText(tokenError);
    const error = tokenError instanceof CollectError ? tokenError : new CollectError(`Could not get a token for the tenant: ${message}`, 'transient');
    return { status: 0, code: 'TokenUnavailable', message, error };
  }
  if (err instanceof GraphError && err.statusCode !== -1) {
    const retryAfter = parseRetryAfter(err.headers?.get('retry-after'));
    const facts = {
      status: err.statusCode,
      code: err.code ?? '',
      message: err.message,
      ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
    };
    return { ...facts, error: serviceError({ service: SERVICE, ...facts, permission }) };
  }
  // Network failures and a truncated page (invalid JSON) land here: worth another try.
  const message = errorText(err);
  return { status: -1, code: 'NetworkError', message, error: serviceError({ service: SERVICE, status: -1, code: '', message }) };
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 300);
}
