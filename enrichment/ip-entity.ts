/**
 * An IP address as an event entity: the IP intelligence answer turned into a snapshot (or an
 * `unavailable` with its reason), so addresses are recorded and compared like every other entity.
 *
 * - A public address some provider knows: `recorded` with location, network, usage and
 *   anonymiser flags, and which provider said what.
 * - A special-purpose address (private, CGNAT, loopback…): `recorded` with its label and no
 *   intelligence; that it is private is the useful fact, and no provider is ever asked.
 * - A public address no provider has data for: `unavailable: no-data` (final).
 * - Every provider that could have answered is down: `unavailable: error` (retried).
 * - Not an address at all: `unavailable: no-data`.
 *
 * Besides the parts as providers gave them, a recorded public address carries the filter
 * language's `IP.*` fields at its top level (`countryCode`, `asn`, `isAnonymous`…), the record
 * whitelist rules, triggers and the Report table read (services/detection/language/fields.ts).
 */
import type { IpIntelResult } from './ip/index.ts';
import { recorded, unavailable, type EnrichmentResult, type JsonObject, type Snapshot } from './entities/index.ts';

export const IP_SCHEMA_VERSION = 2;

/** The filter language's `IP.*` fields, derived from the parts (see `languageFields`). */
const LANGUAGE_FIELDS = ['countryCode', 'country', 'region', 'city', 'asn', 'isp', 'usageType', 'isAnonymous', 'proxyType', 'latitude', 'longitude'] as const;

/**
 * Paths of an IP snapshot never marked as changed: who answered is not a change of the address,
 * and the language's fields repeat the parts, whose changes are shown once.
 */
export const IP_VOLATILE_PATHS = ['schemaVersion', 'sources', 'providers', ...LANGUAGE_FIELDS];

export interface IpSnapshot extends Snapshot {
  ip: string;
  version: number;
  /** `public`, or the special range (`private`, `cgnat`, `loopback`…). */
  range: string;
  /** For special ranges, e.g. `private (RFC 1918)`. */
  label: string | null;
  location: JsonObject | null;
  network: JsonObject | null;
  usage: JsonObject | null;
  anonymizer: JsonObject | null;
  sources: JsonObject;
  providers: JsonObject[];
}

const json = <T>(value: T): T => JSON.parse(JSON.stringify(value ?? null)) as T;

export function ipEntityResult(result: IpIntelResult): EnrichmentResult {
  const c = result.classification;
  if (c.kind === 'invalid') return unavailable('no-data', `"${result.input.slice(0, 100)}" is not an IP address (${c.reason}).`);
  const base = { schemaVersion: IP_SCHEMA_VERSION, ip: c.ip, version: c.version, range: c.kind, label: 'label' in c ? c.label : null };
  const empty = { location: null, network: null, usage: null, anonymizer: null, sources: {}, providers: [] };
  if (c.kind !== 'public') return recorded({ ...base, ...empty } satisfies IpSnapshot);

  const answered = result.providers.filter((p) => p.status === 'ok');
  if (answered.length === 0) {
    const down = result.providers.filter((p) => p.status === 'unavailable');
    if (down.length > 0) {
      return unavailable('error', `IP intelligence could not answer: ${down.map((p) => `${p.provider} ${p.reason ?? 'unavailable'}`).join('; ').slice(0, 300)}.`);
    }
    return unavailable('no-data', 'No IP intelligence source has data for this address.');
  }
  const snapshot: IpSnapshot = {
    ...base,
    ...languageFields(result),
    location: json(result.intel.location as JsonObject | undefined) ?? null,
    network: json(result.intel.network as JsonObject | undefined) ?? null,
    usage: json(result.intel.usage as JsonObject | undefined) ?? null,
    anonymizer: json(result.intel.anonymizer as JsonObject | undefined) ?? null,
    sources: json(result.sources as JsonObject),
    providers: json(result.providers as unknown as JsonObject[]),
  };
  return recorded(snapshot);
}

/**
 * `IP.CountryCode`, `IP.ASN`, `IP.IsAnonymous`… as the filter language reads them: one flat
 * value each, absent when no provider said. `isp` is the network's operator in the best words
 * a provider had; `proxyType` the strongest anonymiser kind.
 */
function languageFields({ intel }: IpIntelResult): Partial<Record<(typeof LANGUAGE_FIELDS)[number], string | number | boolean>> {
  const { location, network, usage, anonymizer } = intel;
  const out: Partial<Record<(typeof LANGUAGE_FIELDS)[number], string | number | boolean>> = {};
  if (location?.countryCode !== undefined) out.countryCode = location.countryCode;
  if (location?.countryName !== undefined) out.country = location.countryName;
  if (location?.region !== undefined) out.region = location.region;
  if (location?.city !== undefined) out.city = location.city;
  if (location?.latitude !== undefined) out.latitude = location.latitude;
  if (location?.longitude !== undefined) out.longitude = location.longitude;
  if (network?.asNumber !== undefined) out.asn = network.asNumber;
  const isp = network?.isp ?? network?.organization ?? network?.asOrganization;
  if (isp !== undefined) out.isp = isp;
  if (usage?.type !== undefined) out.usageType = usage.type;
  if (anonymizer !== undefined) out.isAnonymous = anonymizer.isAnonymous;
  if (anonymizer?.proxyTypes[0] !== undefined) out.proxyType = anonymizer.proxyTypes[0];
  return out;
}
