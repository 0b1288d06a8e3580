import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import { checkAddress, parseAllowList, type AllowList } from './address-policy.ts';

/**
 * Outbound HTTP for notifications, with an SSRF guard:
 * - only http:// and https:// URLs without credentials in them;
 * - the host name is resolved once and EVERY address must pass `checkAddress` (public unicast,
 *   or inside the admin's allow list);
 * - the connection goes to exactly the addresses that were checked (the socket's `lookup` is
 *   pinned to them), so a DNS answer that changes between check and connect (rebinding) has
 *   no effect; TLS still verifies the certificate against the host name;
 * - redirects are followed by hand, each hop checked the same way, at most `maxRedirects`;
 *   a redirect from https:// to http:// is refused, and credentials headers are dropped when
 *   the origin changes;
 * - a connect timeout and a total timeout; the response body is read up to `maxBodyBytes`.
 */

export type SafeFetchOptions = {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Parsed `parseAllowList` result or the raw CIDR strings. */
  allow?: AllowList | readonly string[];
  connectTimeoutMs?: number;
  totalTimeoutMs?: number;
  maxRedirects?: number;
  maxBodyBytes?: number;
  /** Name resolution (all addresses); defaults to the system resolver. */
  resolve?: (hostname: string) => Promise<readonly string[]>;
  signal?: AbortSignal;
};

export type SafeResponse = {
  status: number;
  headers: Record<string, string>;
  /** The body as UTF-8 text, at most `maxBodyBytes` bytes of it. */
  body: string;
  truncated: boolean;
  /** The URL that answered, after redirects. */
  url: string;
  /** The address connected to for the final hop. */
  address: string;
  redirects: number;
};

/**
 * Why a request did not get an answer.
 * - `refused`: the SSRF guard or the URL rules said no (not worth retrying);
 * - `redirects`: too many redirects, or a redirect without a usable Location;
 * - `timeout`: connect or total timeout;
 * - `network`: name resolution, connection or protocol failure (worth retrying).
 */
export type SafeFetchErrorKind = 'refused' | 'redirects' | 'timeout' | 'network';

export class SafeFetchError extends Error {
  override name = 'SafeFetchError';
  constructor(
    readonly kind: SafeFetchErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export const SAFE_FETCH_DEFAULTS = {
  connectTimeoutMs: 5_000,
  totalTimeoutMs: 15_000,
  maxRedirects: 5,
  maxBodyBytes: 64 * 1024,
} as const;

const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/**
 * Checks a URL's form (scheme, no credentials) without touching the network.
 * Returns the parsed URL or throws `SafeFetchError('refused')`.
 */
export function checkUrlForm(raw: string | URL): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SafeFetchError('refused', 'The URL is not a valid address');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new SafeFetchError('refused', 'The URL must start with https:// or http://');
  }
  if (url.username || url.password) {
    throw new SafeFetchError('refused', 'The URL must not contain a user name or password; send them in a header');
  }
  return url;
}

async function systemResolve(hostname: string): Promise<readonly string[]> {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => a.address);
}

/**
 * Resolves a URL's host and checks every address. Returns the addresses to connect to.
 * Throws `SafeFetchError('refused')` naming the first refused address.
 */
export async function resolveAndCheck(
  url: URL,
  allow: AllowList,
  resolve: (hostname: string) => Promise<readonly string[]> = systemResolve,
): Promise<string[]> {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: readonly string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await resolve(host);
    } catch (err) {
      throw new SafeFetchError('network', `Could not resolve ${host}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (addresses.length === 0) throw new SafeFetchError('network', `Could not resolve ${host}: no address`);
  }
  for (const address of addresses) {
    const verdict = checkAddress(address, allow);
    if (!verdict.ok) {
      const via = isIP(host) ? '' : ` (${host} resolves to it)`;
      throw new SafeFetchError('refused', `Refused to connect to ${verdict.reason}${via}; an administrator can allow the range in TW_NOTIFY_ALLOW_CIDRS`);
    }
  }
  return [...addresses];
}

/** A socket `lookup` that answers only the addresses already checked. */
function pinnedLookup(addresses: readonly string[]): LookupFunction {
  const entries = addresses.map((address) => ({ address, family: isIP(address) }));
  return ((_hostname: string, options: { all?: boolean; family?: number | string }, callback: (...args: unknown[]) => void) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : Number(options.family ?? 0);
    const usable = family === 4 || family === 6 ? entries.filter((e) => e.family === family) : entries;
    if (usable.length === 0) {
      const err = Object.assign(new Error('no checked address of the requested family'), { code: 'ENOTFOUND' });
      callback(err);
      return;
    }
    if (options.all) callback(null, usable);
    else callback(null, usable[0]!.address, usable[0]!.family);
  }) as LookupFunction;
}

/**
 * Sends one request through the SSRF guard, following redirects by hand.
 *
 * @example
 *   const res = await safeFetch('https://hooks.example.com/tw', { method: 'POST', body, headers, allow: config.notifyAllowCidrs });
 */
export async function safeFetch(rawUrl: string, options: SafeFetchOptions = {}): Promise<SafeResponse> {
  const allow: AllowList = isParsedAllowList(options.allow) ? options.allow : parseAllowList((options.allow ?? []) as readonly string[]);
  const connectTimeoutMs = options.connectTimeoutMs ?? SAFE_FETCH_DEFAULTS.connectTimeoutMs;
  const totalTimeoutMs = options.totalTimeoutMs ?? SAFE_FETCH_DEFAULTS.totalTimeoutMs;
  const maxRedirects = options.maxRedirects ?? SAFE_FETCH_DEFAULTS.maxRedirects;
  const maxBodyBytes = options.maxBodyBytes ?? SAFE_FETCH_DEFAULTS.maxBodyBytes;
  const deadline = AbortSignal.timeout(totalTimeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;

  let url = checkUrlForm(rawUrl);
  let method = (options.method ?? 'GET').toUpperCase();
  let body = options.body;
  let headers: Record<string, string> = { ...(options.headers ?? {}) };

  for (let hop = 0; ; hop++) {
    const addresses = await withDeadline(resolveAndCheck(url, allow, options.resolve), signal, totalTimeoutMs);
    const agent = new Agent({ connect: { lookup: pinnedLookup(addresses), timeout: connectTimeoutMs }, connections: 1 });
    try {
      let answer: Awaited<ReturnType<typeof request>>;
      try {
        answer = await request(url, {
          method: method as 'GET',
          headers,
          body: body === undefined ? null : body,
          dispatcher: agent,
          signal,
          headersTimeout: totalTimeoutMs,
          bodyTimeout: totalTimeoutMs,
        });
      } catch (err) {
        throw classify(err, signal, totalTimeoutMs, url);
      }
      const status = answer.statusCode;
      const responseHeaders = flattenHeaders(answer.headers);
      const location = responseHeaders['location'];
      if (status >= 300 && status < 400 && status !== 304 && location !== undefined) {
        discard(answer.body);
        if (hop >= maxRedirects) throw new SafeFetchError('redirects', `More than ${maxRedirects} redirects`);
        let next: URL;
        try {
          next = checkUrlForm(new URL(location, url));
        } catch (err) {
          throw new SafeFetchError('refused', `Redirect to ${truncate(location)} refused: ${(err as Error).message}`);
        }
        if (url.protocol === 'https:' && next.protocol === 'http:') {
          throw new SafeFetchError('refused', 'Redirect from https:// to http:// refused');
        }
        if (next.origin !== url.origin) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !CREDENTIAL_HEADERS.has(k.toLowerCase())));
        // As browsers do: 303 always, and 301/302 after a POST, continue as a GET without body.
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          if (method !== 'HEAD') method = 'GET';
          body = undefined;
          headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^content-/i.test(k)));
        }
        url = next;
        continue;
      }
      const { text, truncated } = await readCapped(answer.body, maxBodyBytes).catch((err: unknown) => {
        throw classify(err, signal, totalTimeoutMs, url);
      });
      return { status, headers: responseHeaders, body: text, truncated, url: url.toString(), address: addresses[0]!, redirects: hop };
    } finally {
      agent.destroy().catch(() => {});
    }
  }
}

function isParsedAllowList(value: SafeFetchOptions['allow']): value is AllowList {
  return Array.isArray(value) && value.length > 0 && typeof value[0] !== 'string';
}

/** Resolution has no signal of its own: race it against the deadline. */
async function withDeadline<T>(work: Promise<T>, signal: AbortSignal, totalTimeoutMs: number): Promise<T> {
  if (signal.aborted) throw abortError(signal, totalTimeoutMs);
  return await new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, totalTimeoutMs));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function abortError(signal: AbortSignal, totalTimeoutMs: number): SafeFetchError {
  const reason = signal.reason as Error | undefined;
  return reason?.name === 'TimeoutError'
    ? new SafeFetchError('timeout', `No answer within ${Math.round(totalTimeoutMs / 1000)} s`)
    : new SafeFetchError('network', 'Cancelled');
}

function classify(err: unknown, signal: AbortSignal, totalTimeoutMs: number, url: URL): SafeFetchError {
  if (err instanceof SafeFetchError) return err;
  if (signal.aborted) return abortError(signal, totalTimeoutMs);
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = e.code ?? e.cause?.code;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT') {
    return new SafeFetchError('timeout', `${url.host} did not answer in time`);
  }
  return new SafeFetchError('network', `Could not reach ${url.host}: ${code ?? e.message}`);
}

/** Reads at most `max` bytes, then stops reading (the connection is closed afterwards). */
async function readCapped(stream: BodyStream, max: number): Promise<{ text: string; truncated: boolean }> {
  // Leaving the loop early destroys the stream, and undici then emits an abort error.
  stream.on('error', () => {});
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of stream) {
    const room = max - size;
    if (chunk.byteLength > room) {
      chunks.push(chunk.subarray(0, room));
      size = max;
      truncated = true;
      break;
    }
    chunks.push(chunk);
    size += chunk.byteLength;
  }
  if (truncated) discard(stream);
  // A cut inside a multi-byte character decodes as U+FFFD, never throws.
  return { text: new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks)), truncated };
}

type BodyStream = AsyncIterable<Uint8Array> & { destroy: () => void; on: (event: 'error', listener: () => void) => unknown };

/** Drops an unread body; the abort error undici emits for it is expected. */
function discard(stream: BodyStream): void {
  stream.on('error', () => {});
  stream.destroy();
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
