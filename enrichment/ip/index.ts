/**
 * IP intelligence for security events: classify the client address, ask the configured
 * providers, merge their answers, cache the result.
 *
 * Precedence: providers in the order configured; for each field the first provider with a
 * value wins (anonymiser flags are combined, see merge.ts). With no provider configured the
 * free ip-location-db data answers alone.
 *
 * It never throws into the pipeline: a provider that fails is reported as `unavailable` with
 * its reason and the others still answer; an unexpected fault yields an answer with the
 * classification and every provider marked unavailable. An event is never lost to GeoIP.
 *
 * @example
 *   const ipIntel = createIpIntel({ providers: [{ provider: 'maxmind', databases: { city: '/var/lib/GeoIP/GeoIP2-City.mmdb' } }, { provider: 'ip-location-db' }] });
 *   const r = await ipIntel.lookup('[2a02:c7c:1234::1]:50312');
 *   r.intel.location?.countryCode; r.sources.location; // ['maxmind']
 */
import { classifyIpInto, type IpClassification } from './classify.ts';
import { LruCache } from './lru.ts';
import { mergeIntel, type SourcedIntel } from './merge.ts';
import type { ProviderContext } from './provider-context.ts';
import { providerRegistry, type ProviderName, type ProviderSettings } from './registry.ts';
import { IpIntelConfigError, parseIpIntelSettings, type IpIntelSettings, type IpIntelSettingsInput } from './settings.ts';
import type { IpIntelProvider, IpIntelResult, ProviderAnswer, ProviderHealth, ProviderOutcome } from './types.ts';

export { classifyIp, isPublic, type IpClassification, type SpecialRange } from './classify.ts';
export { IpIntelConfigError, ipIntelSettingsSchema, parseIpIntelSettings, type IpIntelSettings, type IpIntelSettingsInput } from './settings.ts';
export { providerNames, providerRegistry, type ProviderName, type ProviderSettings } from './registry.ts';
export type * from './types.ts';

export interface IpIntelService {
  /** Classification + merged intel + per-provider outcomes. Never rejects. */
  lookup(clientIp: unknown): Promise<IpIntelResult>;
  /**
   * The same answer, synchronously when every provider could answer at once (local databases,
   * cache hits), else a promise. For hot loops such as a batch of events.
   */
  lookupNow(clientIp: unknown): IpIntelResult | Promise<IpIntelResult>;
  /** Per provider, for /healthz and the settings page. */
  health(): Partial<Record<ProviderName, ProviderHealth>>;
  readonly providers: readonly IpIntelProvider[];
  clearCache(): void;
  close(): Promise<void>;
}

export interface IpIntelOptions {
  log?: ProviderContext['log'];
  fetch?: ProviderContext['fetch'];
  now?: ProviderContext['now'];
}

/**
 * Builds the service from settings (validated here; bad settings throw `IpIntelConfigError`
 * now rather than on the first event). Database files that are missing or broken do not
 * throw: their provider reports them and the rest keeps working.
 */
export function createIpIntel(input: IpIntelSettingsInput | IpIntelSettings = {}, options: IpIntelOptions = {}): IpIntelService {
  const settings = parseIpIntelSettings(input);
  const now = options.now ?? Date.now;
  const cache = new LruCache<string, Omit<IpIntelResult, 'input' | 'cached'>>(settings.cache.maxEntries, now);
  const ttlMs = settings.cache.ttlSeconds * 1000;
  const ctx: ProviderContext = { onDataChanged: () => cache.clear(), now };
  if (options.log) ctx.log = options.log;
  if (options.fetch) ctx.fetch = options.fetch;

  const configured: ProviderSettings[] =
    settings.providers.length > 0 ? settings.providers : [parseIpIntelSettings({ providers: [{ provider: 'ip-location-db' }] }).providers[0]!];
  const providers = configured.map((p) => createProvider(p, ctx));
  const collected: SourcedIntel[] = [];
  // The address as the classifier parsed it, handed to providers; reused by every lookup.
  const words = new Uint32Array(4);

  // One body for both entry points: a plain value when every provider answered synchronously
  // (local databases), a promise only when one had to wait (the web service). Awaiting a
  // promise per lookup costs about as much as a database lookup, so the hot path avoids it.
  function lookupNow(clientIp: unknown): IpIntelResult | Promise<IpIntelResult> {
    const input = typeof clientIp === 'string' ? clientIp : String(clientIp ?? '');
    const classification = classifyIpInto(clientIp, words);
    if (classification.kind !== 'public') return { input, classification, intel: {}, sources: {}, providers: [], cached: false };
    const { ip, version } = classification;
    const hit = cache.get(ip);
    if (hit) return { classification, intel: hit.intel, sources: hit.sources, providers: hit.providers, input, cached: true };
    try {
      const answers = new Array<ProviderAnswer | Promise<ProviderAnswer>>(providers.length);
      let pending = false;
      for (let i = 0; i < providers.length; i++) {
        const a = ask(providers[i]!, ip, version, words);
        if (a instanceof Promise) pending = true;
        answers[i] = a;
      }
      if (!pending) return combine(input, classification, answers as ProviderAnswer[]);
      return Promise.all(answers).then(
        (done) => combine(input, classification, done),
        (err: unknown) => failed(input, classification, err),
      );
    } catch (err) {
      return failed(input, classification, err);
    }
  }

  function combine(input: string, classification: Extract<IpClassification, { kind: 'public' }>, answers: ProviderAnswer[]): IpIntelResult {
    try {
      const outcomes: ProviderOutcome[] = [];
      collected.length = 0;
      let unavailable = false;
      for (let i = 0; i < providers.length; i++) {
        const a = answers[i]!;
        const outcome: ProviderOutcome = { provider: providers[i]!.name, status: a.status };
        if (a.status === 'unavailable') {
          outcome.reason = a.reason;
          unavailable = true;
        } else {
          if (a.status === 'no-data' && a.reason !== undefined) outcome.reason = a.reason;
          if (a.notes !== undefined) outcome.notes = a.notes;
          if (a.status === 'ok') collected.push({ source: providers[i]!.name, intel: a.intel });
        }
        outcomes.push(outcome);
      }
      const { intel, sources } = collected.length > 0 ? mergeIntel(collected) : { intel: {}, sources: {} };
      collected.length = 0;
      // An answer missing a provider that was down must not hide its recovery.
      if (!unavailable) cache.set(classification.ip, { classification, intel, sources, providers: outcomes }, ttlMs);
      return { input, classification, intel, sources, providers: outcomes, cached: false };
    } catch (err) {
      return failed(input, classification, err);
    }
  }

  function failed(input: string, classification: IpClassification, err: unknown): IpIntelResult {
    const reason = `internal error: ${(err as Error)?.message ?? String(err)}`;
    options.log?.('error', `ip intel lookup failed: ${reason}`);
    return {
      input,
      classification,
      intel: {},
      sources: {},
      providers: providers.map((p) => ({ provider: p.name, status: 'unavailable', reason })),
      cached: false,
    };
  }

  return {
    lookup: (clientIp) => {
      const r = lookupNow(clientIp);
      return r instanceof Promise ? r : Promise.resolve(r);
    },
    lookupNow,
    providers,
    health() {
      const out: Partial<Record<ProviderName, ProviderHealth>> = {};
      for (const p of providers) {
        try {
          out[p.name as ProviderName] = p.health();
        } catch (err) {
          out[p.name as ProviderName] = { status: 'unavailable', details: [(err as Error).message] };
        }
      }
      return out;
    },
    clearCache: () => cache.clear(),
    async close() {
      cache.clear();
      await Promise.all(providers.map(async (p) => p.close()));
    },
  };
}

function createProvider(settings: ProviderSettings, ctx: ProviderContext): IpIntelProvider {
  const definition = providerRegistry[settings.provider] as { create(s: ProviderSettings, c: ProviderContext): IpIntelProvider };
  try {
    return definition.create(settings, ctx);
  } catch (err) {
    if ((err as Error).name === 'ZodError') throw new IpIntelConfigError(`Invalid ${settings.provider} settings: ${(err as Error).message}`);
    // Anything else (a bug, an unreadable install) must not take enrichment down.
    const reason = `failed to start: ${(err as Error).message}`;
    ctx.log?.('error', `${settings.provider} ${reason}`);
    return {
      name: settings.provider,
      lookup: () => ({ status: 'unavailable', reason }),
      health: () => ({ status: 'unavailable', details: [reason] }),
      close() {},
    };
  }
}

/** A provider's answer, with a throw turned into `unavailable`. */
function ask(p: IpIntelProvider, ip: string, version: 4 | 6, words: Uint32Array): ProviderAnswer | Promise<ProviderAnswer> {
  try {
    const a = p.lookup(ip, version, words);
    return a instanceof Promise ? a.catch(unavailableFrom) : a;
  } catch (err) {
    return unavailableFrom(err);
  }
}

function unavailableFrom(err: unknown): ProviderAnswer {
  return { status: 'unavailable', reason: (err as Error)?.message ?? String(err) };
}
