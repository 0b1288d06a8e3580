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
 */
import type { IpIntelResult } from './ip/index.ts';
import { recorded, unavailable, type EnrichmentResult } from './entities/index.ts';
import type { IpSnapshot } from './entities/ip-snapshot.ts';

export const IP_SCHEMA_VERSION = 1;

/** Paths of an IP snapshot never marked as changed: who answered is not a change of the address. */
export const IP_VOLATILE_PATHS = ['schemaVersion', 'sources', 'providers'];

export type { IpSnapshot } from './entities/ip-snapshot.ts';

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
      return unavailable(
        'error',
        `IP intelligence could not answer: ${down
          .map((p) => `${p.provider} ${p.reason ?? 'unavailable'}`)
          .join('; ')
          .slice(0, 300)}.`,
      );
    }
    return unavailable('no-data', 'No IP intelligence source has data for this address.');
  }
  const snapshot: IpSnapshot = {
    ...base,
    location: json(result.intel.location) ?? null,
    network: json(result.intel.network) ?? null,
    usage: json(result.intel.usage) ?? null,
    anonymizer: json(result.intel.anonymizer) ?? null,
    sources: json(result.sources),
    providers: json(result.providers),
  };
  return recorded(snapshot);
}
