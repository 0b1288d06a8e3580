/**
 * The simulator's answers: MaxMind's own test data (`*.source.json` beside the test databases
 * in ../shared/fixtures/maxmind), so the simulator and the database tests agree on what an
 * address is. Networks are matched longest-prefix first, as the real service does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';

export type SimRecord = Record<string, unknown>;

interface Entry {
  addr: ipaddr.IPv6;
  prefix: number;
  record: SimRecord;
}

/** A longest-prefix table over one source JSON file (`[{ "cidr": record }, ...]`). */
export class NetworkTable {
  private readonly entries: Entry[] = [];

  constructor(source: readonly Record<string, SimRecord>[]) {
    for (const item of source) {
      for (const [cidr, record] of Object.entries(item)) {
        // IPv4 networks live at ::a.b.c.d/96+p, as in the databases built from these files.
        // ipaddr.js would read `::1.2.3.0` as IPv4-mapped, so that form is split here.
        const embedded = /^::(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr);
        const [a, p] = embedded ? [ipaddr.IPv4.parse(embedded[1]!), Number(embedded[2]) - 96] : ipaddr.parseCIDR(cidr);
        const addr = a.kind() === 'ipv4' ? v4InV6(a as ipaddr.IPv4) : (a as ipaddr.IPv6);
        this.entries.push({ addr, prefix: a.kind() === 'ipv4' ? p + 96 : p, record });
      }
    }
    this.entries.sort((x, y) => y.prefix - x.prefix);
  }

  /** The most specific network holding `ip`, with its CIDR in the address family asked about. */
  find(ip: ipaddr.IPv4 | ipaddr.IPv6): { record: SimRecord; network: string } | undefined {
    const v6 = ip.kind() === 'ipv4' ? v4InV6(ip as ipaddr.IPv4) : (ip as ipaddr.IPv6);
    for (const e of this.entries) {
      if (!v6.match(e.addr, e.prefix)) continue;
      const network =
        ip.kind() === 'ipv4' && e.prefix >= 96
          ? `${ipaddr.IPv4.networkAddressFromCIDR(`${ip.toString()}/${e.prefix - 96}`).toString()}/${e.prefix - 96}`
          : `${ipaddr.IPv6.networkAddressFromCIDR(`${v6.toString()}/${e.prefix}`).toString()}/${e.prefix}`;
      return { record: e.record, network };
    }
    return undefined;
  }
}

export interface SimData {
  /** Insights-like geo + traits (GeoIP2-Enterprise-Test.source.json). */
  enterprise: NetworkTable;
  /** Anonymiser flags (GeoIP2-Anonymous-IP-Test and GeoIP-Anonymous-Plus-Test sources). */
  anonymous: NetworkTable[];
}

/** Loads the source JSON files from a MaxMind test-data folder. */
export function loadSimData(dir: string): SimData {
  const read = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, SimRecord>[];
  return {
    enterprise: new NetworkTable(read('GeoIP2-Enterprise-Test.source.json')),
    anonymous: [new NetworkTable(read('GeoIP-Anonymous-Plus-Test.source.json')), new NetworkTable(read('GeoIP2-Anonymous-IP-Test.source.json'))],
  };
}

/** a.b.c.d as ::a.b.c.d (IPv4 inside ::/96, where MaxMind trees keep it). */
function v4InV6(ip: ipaddr.IPv4): ipaddr.IPv6 {
  const b = ip.octets;
  return new ipaddr.IPv6([0, 0, 0, 0, 0, 0, (b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!]);
}
