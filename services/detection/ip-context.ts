/**
 * IP intelligence for rules. Rules are synchronous, lookups may not be: the engine resolves the
 * distinct client addresses of a batch first (only of records that a rule declaring
 * `usesIpIntel` can see), and rules read the answers through `ctx.ip(address)`.
 */
import type { IpIntelResult, IpIntelService, PartialIpIntel } from '../../enrichment/ip/index.ts';
import type { PreparedRule } from './evaluate.ts';
import type { DetectionRecord } from './types.ts';

/** Merged intel by client-address string as the records carry it. */
export type IpIntelByAddress = ReadonlyMap<string, PartialIpIntel>;

/** Client addresses of the records that a rule using IP intelligence would be asked about. */
export function addressesForIpIntel(records: readonly DetectionRecord[], rules: readonly PreparedRule[]): string[] {
  const users = rules.filter((p) => p.rule.usesIpIntel);
  if (users.length === 0) return [];
  const addresses = new Set<string>();
  for (const r of records) {
    if (!r.clientIp || addresses.has(r.clientIp)) continue;
    const seen = users.some(
      ({ rule }) => (rule.on.operations === 'any' || rule.on.operations.includes(r.operation)) && (!rule.on.sources || rule.on.sources.includes(r.source)),
    );
    if (seen) addresses.add(r.clientIp);
  }
  return [...addresses];
}

/**
 * Looks the addresses up. Local databases answer synchronously (`lookupNow`); only answers that
 * had to wait are awaited. An address nobody knew, or whose lookup failed, is left out: the rules
 * then see null and the batch still runs (an alert is never lost to GeoIP).
 */
export async function resolveIpIntel(service: IpIntelService, addresses: readonly string[]): Promise<Map<string, PartialIpIntel>> {
  const out = new Map<string, PartialIpIntel>();
  const pending: Promise<void>[] = [];
  const keep = (address: string, result: IpIntelResult) => {
    if (Object.keys(result.intel).length > 0) out.set(address, result.intel);
  };
  for (const address of addresses) {
    try {
      const answer = service.lookupNow(address);
      if (answer instanceof Promise)
        pending.push(
          answer.then(
            (r) => keep(address, r),
            () => undefined,
          ),
        );
      else keep(address, answer);
    } catch {
      // The service does not throw by contract; a bug in it must not stop detection.
    }
  }
  await Promise.all(pending);
  return out;
}
