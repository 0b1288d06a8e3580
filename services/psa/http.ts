/**
 * The one HTTP path of both PSA clients: timeouts, bounded retries of 429 (honouring
 * Retry-After) and of 5xx for reads and for writes the PSA never applied (429), and a
 * translation of failures into PsaError in plain words. A POST that failed with a 5xx is not
 * repeated here: it may have gone through, so the caller looks it up by its idempotency key.
 */
import { PsaError, type ClientOptions } from './types.ts';

export interface PsaRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body?: string | FormData;
  /** What the call does, for messages: "list companies". */
  action: string;
}

export type PsaResponse = { status: number; headers: Headers; text: string };

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

function retryAfterMs(headers: Headers, attempt: number, cap: number): number {
  const raw = headers.get('retry-after');
  const seconds = raw === null ? NaN : Number(raw);
  const fromHeader = Number.isFinite(seconds) ? seconds * 1000 : Number.isFinite(Date.parse(raw ?? '')) ? Date.parse(raw!) - Date.now() : NaN;
  const backoff = 250 * 2 ** attempt;
  return Math.max(0, Math.min(cap, Number.isFinite(fromHeader) ? fromHeader : backoff));
}

/**
 * Sends the request; returns the final response when it is not a 429/5xx, else throws a
 * retryable PsaError after the retries. Network failures to the host become `unknown-site`
 * (name not found, refused) or `unavailable` (timeout, reset).
 */
export async function psaFetch(req: PsaRequest, opts: ClientOptions = {}): Promise<PsaResponse> {
  const retries = opts.retries ?? 2;
  const cap = opts.maxRetryWaitMs ?? 10_000;
  const doFetch = opts.fetch ?? fetch;
  const idempotent = req.method === 'GET' || req.method === 'PUT';
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await doFetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) });
    } catch (e) {
      const code = (e as { cause?: { code?: string } }).cause?.code ?? (e as { code?: string }).code;
      const host = safeHost(req.url);
      if (
        code === 'ENOTFOUND' ||
        code === 'EAI_AGAIN' ||
        code === 'ECONNREFUSED' ||
        code === 'ERR_INVALID_URL' ||
        (e instanceof TypeError && /invalid url/i.test(e.message))
      ) {
        throw new PsaError('unknown-site', `Could not reach ${host}: check the site address (${code ?? 'no answer'}).`);
      }
      if (attempt < retries && idempotent) {
        await sleep(250 * 2 ** attempt);
        continue;
      }
      throw new PsaError(
        'unavailable',
        `${host} did not answer while trying to ${req.action} (${(e as Error).name === 'TimeoutError' ? 'timed out' : (code ?? (e as Error).message)}).`,
      );
    }
    const text = await res.text();
    if (res.status === 429 || res.status >= 500) {
      // A 429 was refused before any work; a 5xx on a read is safe to repeat.
      if (attempt < retries && (res.status === 429 || idempotent)) {
        await sleep(retryAfterMs(res.headers, attempt, cap));
        continue;
      }
      if (res.status === 429)
        throw new PsaError('throttled', `The PSA is throttling requests (429) while trying to ${req.action}; it will be tried again later.`, 429);
      throw new PsaError(
        'unavailable',
        `The PSA answered ${res.status} while trying to ${req.action}${errorText(text) ? `: ${errorText(text)}` : ''}.`,
        res.status,
      );
    }
    return { status: res.status, headers: res.headers, text };
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The message text from a ConnectWise `{code,message,errors}` or Autotask `{errors:[…]}` body, or a text body. */
export function errorText(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: string; errors?: unknown[] };
    const details = Array.isArray(body.errors)
      ? body.errors.map((e) => (typeof e === 'string' ? e : ((e as { message?: string }).message ?? ''))).filter(Boolean)
      : [];
    return [body.message, ...details].filter(Boolean).join(' ').slice(0, 500);
  } catch {
    return text.trim().slice(0, 300);
  }
}

export function parseJson<T>(res: PsaResponse, action: string): T {
  try {
    return JSON.parse(res.text) as T;
  } catch {
    throw new PsaError('invalid', `The PSA's answer to ${action} was not JSON.`, res.status);
  }
}
