/**
 * Test helpers: where MaxMind's test databases live and which address to ask for each network
 * of their `*.source.json`. Not product code; only tests import it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ipaddr from 'ipaddr.js';

/** ../shared/fixtures/maxmind from the project root. */
export const MAXMIND_FIXTURES = resolve(import.meta.dirname, '../../../shared/fixtures/maxmind');
export const hasMaxmindFixtures = existsSync(resolve(MAXMIND_FIXTURES, 'GeoIP2-City-Test.mmdb'));
export const fixture = (name: string) => resolve(MAXMIND_FIXTURES, name);

export interface SourceEntry<R = Record<string, unknown>> {
  cidr: string;
  /** The network's first address, in the family a client would use (IPv4 for ::a.b.c.d/96+). */
  ip: string;
  version: 4 | 6;
  record: R;
}

/**
 * Every network of a `*.source.json` with an address inside it that no more specific network
 * of the same file overrides.
 */
export function sourceEntries<R = Record<string, unknown>>(file: string): SourceEntry<R>[] {
  const raw = JSON.parse(readFileSync(fixture(file), 'utf8')) as Record<string, R>[];
  const nets = raw.flatMap((item) =>
    Object.entries(item).map(([cidr, record]) => {
      const { v6, prefix } = parseSourceCidr(cidr);
      const first = ipaddr.IPv6.networkAddressFromCIDR(`${v6.toString()}/${prefix}`);
      return { cidr, v6: first, prefix, record };
    }),
  );
  const out: SourceEntry<R>[] = [];
  for (const n of nets) {
    const shadowed = nets.some((m) => m !== n && m.prefix > n.prefix && n.v6.match(m.v6, m.prefix));
    if (shadowed) continue;
    // ::/96 holds IPv4 in these files.
    const parts = n.v6.parts;
    const isV4 = n.prefix >= 96 && parts.slice(0, 6).every((x) => x === 0);
    const ip = isV4 ? `${parts[6]! >> 8}.${parts[6]! & 255}.${parts[7]! >> 8}.${parts[7]! & 255}` : n.v6.toString();
    if (isV4 && ip.startsWith('0.')) continue;
    out.push({ cidr: n.cidr, ip, version: isV4 ? 4 : 6, record: n.record });
  }
  return out;
}

/**
 * `1.2.3.0/24`, `::1.2.3.0/120` (IPv4 inside ::/96, as the MaxMind writer stores it) or IPv6.
 * ipaddr.js reads `::1.2.3.0` as IPv4-mapped (::ffff:1.2.3.0), so that form is parsed here.
 */
export function parseSourceCidr(cidr: string): { v6: ipaddr.IPv6; prefix: number } {
  const embedded = /^::(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr);
  const [a, p] = embedded ? [ipaddr.IPv4.parse(embedded[1]!), Number(embedded[2]) - 96] : ipaddr.parseCIDR(cidr);
  if (a.kind() === 'ipv4') {
    const b = (a as ipaddr.IPv4).octets;
    const v6 = new ipaddr.IPv6([0, 0, 0, 0, 0, 0, (b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!]);
    return { v6: ipaddr.IPv6.networkAddressFromCIDR(`${v6.toString()}/${p + 96}`), prefix: p + 96 };
  }
  return { v6: ipaddr.IPv6.networkAddressFromCIDR(`${a.toString()}/${p}`), prefix: p };
}
