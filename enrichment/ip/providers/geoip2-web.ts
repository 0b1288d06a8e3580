/**
 * A live lookup against a service speaking the MaxMind GeoIP2 web-service protocol
 * (`GET {baseUrl}/geoip/v2.1/{insights|city|country}/{ip}`, HTTP Basic with account ID and
 * license key). Every query costs money, so answers are cached (TTL), a daily request budget
 * stops calls once spent, and account-level errors (bad key, no funds, no queries left, no
 * permission) pause calls for a while instead of failing every event the same way.
 */
import { z } from 'zod';
import { LruCache } from '../lru.ts';
import {
  anonymizerFromMaxmind,
  locationFromMaxmind,
  networkFromMaxmind,
  usageFromMaxmind,
  type MaxmindFlatRecord,
  type MaxmindGeoRecord,
} from '../maxmind-records.ts';
import { mergeIntel } from '../merge.ts';
import type { ProviderContext } from '../provider-context.ts';
import type { IpIntelProvider, PartialIpIntel, ProviderAnswer, ProviderHealth } from '../types.ts';

export const geoip2WebSettingsSchema = z
  .object({
    provider: z.literal('geoip2-web'),
    baseUrl: z
      .url({ message: 'expected an absolute http(s) URL, e.g. https://geoip.maxmind.com' })
      .refine((v) => /^https?:\/\//.test(v), { message: 'expected an absolute http(s) URL' })
      .default('https://geoip.maxmind.com'),
    accountId: z.coerce.string().regex(/^\d+$/, 'expected the numeric MaxMind account ID'),
    licenseKey: z.string().trim().min(1, 'expected a MaxMind license key'),
    service: z.enum(['insights', 'city', 'country']).default('insights'),
    timeoutMs: z.number().int().positive().default(3000),
    /** MaxMind data changes weekly at most; a day keeps costs down without going stale. */
    cacheTtlSeconds: z.number().int().min(0).default(86_400),
    cacheMaxEntries: z.number().int().min(0).default(10_000),
    /** Requests per UTC day; 0 = none (cache only). */
    dailyBudget: z.number().int().min(0).default(1000),
    /** Pause after an account-level error (bad key, no funds): every call would fail alike. */
    pauseOnAccountErrorSeconds: z.number().int().min(0).default(600),
    locale: z.string().min(2).default('en'),
  })
  .strict();
export type Geoip2WebSettings = z.input<typeof geoip2WebSettingsSchema>;

/** The documented error codes, and whether they are about the account (pause) or the address. */
const ACCOUNT_ERRORS = new Set([
  'AUTHORIZATION_INVALID',
  'ACCOUNT_ID_REQUIRED',
  'LICENSE_KEY_REQUIRED',
  'INSUFFICIENT_FUNDS',
  'OUT_OF_QUERIES',
  'PERMISSION_REQUIRED',
]);
const ADDRESS_ERRORS: Readonly<Record<string, string>> = {
  IP_ADDRESS_NOT_FOUND: 'address not in the database',
  IP_ADDRESS_RESERVED: 'address is reserved or private',
  IP_ADDRESS_INVALID: 'address rejected as invalid',
  IP_ADDRESS_REQUIRED: 'address missing from request',
};

export interface Geoip2WebProvider extends IpIntelProvider<'geoip2-web'> {
  /** The service tells the family apart itself, so `version` is not needed. */
  lookup(ip: string, version?: 4 | 6): Promise<ProviderAnswer>;
  /** Requests sent today (UTC) and the budget. */
  usage(): { day: string; requests: number; budget: number; queriesRemaining?: number };
}

type Body = MaxmindGeoRecord & { maxmind?: { queries_remaining?: number } };

export function createGeoip2WebProvider(input: Geoip2WebSettings, ctx: ProviderContext = {}): Geoip2WebProvider {
  const s = geoip2WebSettingsSchema.parse(input);
  const now = ctx.now ?? Date.now;
  const doFetch = ctx.fetch ?? fetch;
  const base = s.baseUrl.endsWith('/') ? s.baseUrl : `${s.baseUrl}/`;
  const authorization = `Basic ${Buffer.from(`${s.accountId}:${s.licenseKey}`).toString('base64')}`;
  const cache = new LruCache<string, ProviderAnswer>(s.cacheMaxEntries, now);
  const inFlight = new Map<string, Promise<ProviderAnswer>>();
  let day = utcDay(now());
  let requests = 0;
  let queriesRemaining: number | undefined;
  let pausedUntil = 0;
  let pauseReason = '';
  let lastError: string | undefined;

  async function query(ip: string): Promise<ProviderAnswer> {
    const url = new URL(`geoip/v2.1/${s.service}/${encodeURIComponent(ip)}`, base);
    requests++;
    let res: Response;
    try {
      res = await doFetch(url, {
        headers: { authorization, accept: 'application/json' },
        signal: AbortSignal.timeout(s.timeoutMs),
      });
    } catch (err) {
      const e = err as Error;
      const why = e.name === 'TimeoutError' ? `no answer within ${s.timeoutMs} ms` : `request failed: ${e.message}`;
      lastError = why;
      return { status: 'unavailable', reason: why };
    }
    const text = await res.text().catch(() => '');
    if (res.ok) {
      let body: Body;
      try {
        body = JSON.parse(text) as Body;
      } catch {
        lastError = `HTTP ${res.status} with a body that is not JSON`;
        return { status: 'unavailable', reason: lastError };
      }
      queriesRemaining = body.maxmind?.queries_remaining ?? queriesRemaining;
      lastError = undefined;
      const intel = fromBody(body, s.locale);
      const answer: ProviderAnswer = Object.keys(intel).length > 0 ? { status: 'ok', intel } : { status: 'no-data' };
      cache.set(ip, answer, s.cacheTtlSeconds * 1000);
      return answer;
    }
    // Error bodies are JSON only when the Content-Type says so (documented: 5xx often are not).
    let code: string | undefined;
    let message: string | undefined;
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      try {
        const err = JSON.parse(text) as { code?: unknown; error?: unknown };
        if (typeof err.code === 'string') code = err.code;
        if (typeof err.error === 'string') message = err.error;
      } catch {
        // fall through to the status line
      }
    }
    if (code !== undefined && ADDRESS_ERRORS[code] !== undefined) {
      const answer: ProviderAnswer = { status: 'no-data', reason: `${code}: ${ADDRESS_ERRORS[code]}` };
      cache.set(ip, answer, s.cacheTtlSeconds * 1000);
      return answer;
    }
    const why =
      code !== undefined ? `${code} (HTTP ${res.status})${message ? `: ${message}` : ''}` : `HTTP ${res.status}${res.status === 429 ? ' (rate limited)' : ''}`;
    lastError = why;
    if (code !== undefined && ACCOUNT_ERRORS.has(code) && s.pauseOnAccountErrorSeconds > 0) {
      pausedUntil = now() + s.pauseOnAccountErrorSeconds * 1000;
      pauseReason = why;
    }
    return { status: 'unavailable', reason: why };
  }

  return {
    name: 'geoip2-web',
    async lookup(ip: string): Promise<ProviderAnswer> {
      const hit = cache.get(ip);
      if (hit) return hit;
      const t = now();
      if (t < pausedUntil) return { status: 'unavailable', reason: `paused after ${pauseReason}; retrying after ${new Date(pausedUntil).toISOString()}` };
      const pending = inFlight.get(ip);
      if (pending) return pending;
      const today = utcDay(t);
      if (today !== day) {
        day = today;
        requests = 0;
      }
      if (requests >= s.dailyBudget) return { status: 'unavailable', reason: `daily budget used (${s.dailyBudget} requests on ${day} UTC)` };
      const p = query(ip).finally(() => inFlight.delete(ip));
      inFlight.set(ip, p);
      return p;
    },
    usage() {
      const today = utcDay(now());
      const result: ReturnType<Geoip2WebProvider['usage']> = { day: today, requests: today === day ? requests : 0, budget: s.dailyBudget };
      if (queriesRemaining !== undefined) result.queriesRemaining = queriesRemaining;
      return result;
    },
    health(): ProviderHealth {
      const u = this.usage();
      const details = [`${s.service} at ${new URL(base).origin}`, `${u.requests}/${u.budget} requests today (UTC)`];
      if (u.queriesRemaining !== undefined) details.push(`${u.queriesRemaining} queries remaining on the account`);
      if (lastError) details.push(`last error: ${lastError}`);
      const paused = now() < pausedUntil;
      if (paused) details.push(`paused until ${new Date(pausedUntil).toISOString()}`);
      return { status: paused ? 'unavailable' : lastError || u.requests >= u.budget ? 'degraded' : 'ok', details };
    },
    close() {
      cache.clear();
    },
  };
}

/** Maps an Insights / City / Country body to the contract. */
export function fromBody(body: Body, locale: string): PartialIpIntel {
  const intel: PartialIpIntel = {};
  const location = locationFromMaxmind(body, locale);
  if (location) intel.location = location;
  const traits: MaxmindFlatRecord = body.traits ?? {};
  const network = networkFromMaxmind(traits);
  if (network) intel.network = network;
  const usage = usageFromMaxmind(traits);
  if (usage) intel.usage = usage;
  // `anonymizer` is the current home of these flags; `traits` keeps the deprecated copies.
  const fromAnonymizer = body.anonymizer ? anonymizerFromMaxmind(body.anonymizer) : undefined;
  const fromTraits = anonymizerFromMaxmind(traits);
  if (fromAnonymizer && fromTraits) {
    intel.anonymizer = mergeIntel([
      { source: 'anonymizer', intel: { anonymizer: fromAnonymizer } },
      { source: 'traits', intel: { anonymizer: fromTraits } },
    ]).intel.anonymizer!;
  } else if (fromAnonymizer ?? fromTraits) {
    intel.anonymizer = (fromAnonymizer ?? fromTraits)!;
  }
  return intel;
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
