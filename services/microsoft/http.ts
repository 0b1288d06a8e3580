import { request } from 'undici';
import { CollectError, parseRetryAfter } from './errors.ts';

/** The response headers a caller reads (paging links, Retry-After). */
export type ResponseHeaders = { get(name: string): string | null };

export type HttpRequest = { method?: 'GET' | 'POST' | 'PATCH' | 'DELETE'; headers?: Record<string, string>; body?: string | undefined };

export type HttpOptions = {
  /** Abort a call that takes longer (slow responses are a fault mode of their own). */
  timeoutMs?: number;
  /** Attempts for transient failures (5xx, timeouts, truncated bodies, short throttling). */
  attempts?: number;
  /** Retry-After up to this many seconds is waited out in place; longer ones end the call. */
  maxInlineWaitSeconds?: number;
  /** Turns a non-2xx answer into an error in the service's own words; return null for the default. */
  describe?: (status: number, body: string, headers: ResponseHeaders) => CollectError | null;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * GET or POST JSON with the retries every Microsoft call needs: transient failures are retried
 * with backoff, short throttling is waited out, long throttling ends the call with
 * `retryAfterSeconds` so the tenant's schedule (not a worker) does the waiting.
 *
 * Through undici's `request` (the same connection pool and global dispatcher as `fetch`): the
 * collector makes tens of thousands of small calls a cycle, and `fetch`'s web streams cost more
 * CPU than the call itself.
 */
export async function fetchJson<T>(url: string, init: HttpRequest, options: HttpOptions = {}): Promise<{ body: T; headers: ResponseHeaders }> {
  const attempts = options.attempts ?? 4;
  const maxWait = options.maxInlineWaitSeconds ?? 5;
  // Created only when an attempt fails: an Error's stack trace costs more than a quick call.
  let last: CollectError | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let response: { status: number; ok: boolean; headers: ResponseHeaders };
    let text: string;
    try {
      const answer = await request(url, {
        method: init.method ?? 'GET',
        headers: init.headers,
        body: init.body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      });
      text = await answer.body.text();
      response = { status: answer.statusCode, ok: answer.statusCode >= 200 && answer.statusCode < 300, headers: headerReader(answer.headers) };
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      last = new CollectError(timedOut ? 'Microsoft did not answer in time.' : `Could not reach Microsoft: ${(err as Error).message}`, 'transient');
      await sleep(backoffMs(attempt));
      continue;
    }
    if (response.ok) {
      try {
        return { body: (text === '' ? undefined : JSON.parse(text)) as T, headers: response.headers };
      } catch {
        last = new CollectError('Microsoft sent an incomplete answer (invalid JSON).', 'transient');
        await sleep(backoffMs(attempt));
        continue;
      }
    }
    const described = options.describe?.(response.status, text, response.headers) ?? null;
    const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
    const error = described ?? defaultError(response.status, text, retryAfter);
    if (error.kind === 'throttled') {
      const wait = error.retryAfterSeconds ?? backoffMs(attempt) / 1000;
      if (wait > maxWait || attempt === attempts) throw error;
      await sleep(wait * 1000);
      last = error;
      continue;
    }
    if (error.kind !== 'transient') throw error;
    last = error;
    await sleep(backoffMs(attempt));
  }
  throw last ?? new CollectError('No attempt was made.', 'transient');
}

function headerReader(headers: Record<string, string | string[] | undefined>): ResponseHeaders {
  return {
    get(name) {
      const value = headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

function backoffMs(attempt: number): number {
  // 200 ms, 400 ms, 800 ms ... with jitter, so tenants retrying together spread out.
  return Math.min(10_000, 200 * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
}

function defaultError(status: number, text: string, retryAfter: number | undefined): CollectError {
  if (status === 429) return new CollectError('Microsoft is throttling requests for this tenant.', 'throttled', retryAfter);
  if (status >= 500) return new CollectError(`Microsoft answered with a server error (${status}).`, 'transient', retryAfter);
  return new CollectError(`Microsoft refused the request (${status}): ${text.slice(0, 200)}`, status === 401 ? 'auth' : status === 403 ? 'permission' : 'gone');
}
