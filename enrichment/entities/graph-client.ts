/**
 * Microsoft Graph for the enrichers, through @microsoft/microsoft-graph-client configured as the
 * collector's reader is (base URL + custom hosts, retry middleware that only waits out short
 * Retry-After). Unlike the reader it never throws: every answer is `ok` with the body or a
 * `GraphFailure`, which `describeFailure` turns into an `unavailable` result in plain words.
 */
import { Client, GraphError, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import { parseRetryAfter } from '../../services/microsoft/errors.ts';
import { unavailable, type EnrichmentResult, type GetToken } from './types.ts';

export interface GraphFailure {
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number;
}

export type GraphAnswer<T> = { ok: true; body: T } | { ok: false; failure: GraphFailure };

export interface GraphApi {
  /** GET a path under /v1.0 (with its query), e.g. `/users/{id}?$select=id`. */
  get<T>(path: string): Promise<GraphAnswer<T>>;
}

/** Enrichment runs inline for live lookups: wait out at most this much throttling. */
const MAX_INLINE_WAIT_SECONDS = 2;
const retryOptions = new RetryHandlerOptions(0.5, 2, (_delay, _attempt, _request, _options, response) => {
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
  return retryAfter === undefined || retryAfter <= MAX_INLINE_WAIT_SECONDS;
});

/** One Graph SDK client per tenant; tokens come from `getToken`, refreshed once after a 401. */
export function createGraphApi(options: { baseUrl: string; tenant: string; getToken: GetToken }): GraphApi {
  let fresh = false;
  let tokenError: unknown;
  const client = Client.initWithMiddleware({
    authProvider: {
      getAccessToken: async () => {
        try {
          const token = await options.getToken(options.tenant, 'graph', { fresh });
          fresh = false;
          tokenError = undefined;
          return token;
        } catch (err) {
          tokenError = err;
          throw err;
        }
      },
    },
    baseUrl: `${options.baseUrl.replace(/\/$/, '')}/`,
    defaultVersion: 'v1.0',
    customHosts: new Set([new URL(options.baseUrl).hostname]),
  });

  async function once<T>(path: string): Promise<GraphAnswer<T>> {
    try {
      return { ok: true, body: (await client.api(path).middlewareOptions([retryOptions]).get()) as T };
    } catch (err) {
      if (tokenError !== undefined) return { ok: false, failure: { status: 0, code: 'TokenUnavailable', message: errorText(tokenError) } };
      if (err instanceof GraphError) {
        const retryAfter = parseRetryAfter(err.headers?.get('retry-after'));
        return { ok: false, failure: { status: err.statusCode, code: err.code ?? '', message: err.message, ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}) } };
      }
      return { ok: false, failure: { status: -1, code: 'NetworkError', message: errorText(err) } };
    }
  }

  return {
    async get<T>(path: string) {
      const first = await once<T>(path);
      if (first.ok || first.failure.status !== 401) return first;
      // A revoked or expired token: ask for a new one once before calling it a permission problem.
      fresh = true;
      return once<T>(path);
    },
  };
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 300);
}

/**
 * A failed call in the admin's words. `permission` names the application permission the call
 * needs; `notFound` is the sentence for a 404 (the entity is gone).
 */
export function describeFailure(failure: GraphFailure, what: { permission: string; notFound?: string; service?: string }): Extract<EnrichmentResult, { status: 'unavailable' }> {
  const service = what.service ?? 'Microsoft Graph';
  if (failure.status === 404 && what.notFound) return unavailable('entity-deleted', what.notFound);
  if (failure.status === 403) return unavailable('permission-missing', `The app lacks ${what.permission}; grant it and give admin consent.`);
  if (failure.status === 401) return unavailable('permission-missing', `${service} refused the app's token: admin consent may have been revoked, or the app lacks ${what.permission}.`);
  if (failure.status === 429) {
    const wait = failure.retryAfterSeconds !== undefined ? ` (retry after ${Math.ceil(failure.retryAfterSeconds)} s)` : '';
    return unavailable('rate-limited', `${service} is throttling requests for this tenant${wait}.`);
  }
  if (failure.status === 0) return unavailable('error', `Could not get a token for the tenant: ${failure.message}`);
  if (failure.status === -1) return unavailable('error', `Could not reach ${service}: ${failure.message}`);
  if (failure.status >= 500) return unavailable('error', `${service} had a server error (${failure.status}).`);
  return unavailable('error', `${service} refused the request (${failure.status}${failure.code ? ` ${failure.code}` : ''}): ${failure.message.slice(0, 200)}`);
}
