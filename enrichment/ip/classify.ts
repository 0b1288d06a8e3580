/**
 * Says what a client-IP string is before anyone looks it up: a public address worth asking
 * providers about, or a special-purpose address that is labelled and never looked up
 * (a private or CGNAT address says nothing about where a user is, and sending it to a paid
 * web service would waste a query).
 */
import ipaddr from 'ipaddr.js';
import { parseClientIp } from '../../services/collector/normalize/client-ip.ts';

export const specialRanges = [
  'private',
  'loopback',
  'link-local',
  'cgnat',
  'documentation',
  'multicast',
  'unspecified',
  'reserved',
] as const;
export type SpecialRange = (typeof specialRanges)[number];

export type IpClassification =
  | {
      kind: 'public';
      /** Canonical form: dotted quad, or RFC 5952 IPv6. */
      ip: string;
      version: 4 | 6;
      /** Set when the input was IPv4-mapped IPv6 (`::ffff:1.2.3.4`) and was unwrapped. */
      unwrappedFrom?: 'ipv4-mapped';
    }
  | {
      kind: SpecialRange;
      ip: string;
      version: 4 | 6;
      /** Human label for the details page, e.g. `private (RFC 1918)`. */
      label: string;
      unwrappedFrom?: 'ipv4-mapped';
    }
  | { kind: 'invalid'; reason: string };

type V4Range = readonly [base: string, prefix: number, kind: SpecialRange, label: string];
type V6Range = readonly [cidr: string, kind: SpecialRange, label: string];

// Most specific first where ranges nest. IANA IPv4 Special-Purpose Address Registry.
const V4_RANGES: readonly V4Range[] = [
  ['0.0.0.0', 8, 'unspecified', 'unspecified / "this network" (RFC 1122)'],
  ['10.0.0.0', 8, 'private', 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'cgnat', 'carrier-grade NAT shared space (RFC 6598)'],
  ['127.0.0.0', 8, 'loopback', 'loopback (RFC 1122)'],
  ['169.254.0.0', 16, 'link-local', 'link-local (RFC 3927)'],
  ['172.16.0.0', 12, 'private', 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'reserved', 'IETF protocol assignments (RFC 6890)'],
  ['192.0.2.0', 24, 'documentation', 'documentation TEST-NET-1 (RFC 5737)'],
  ['192.88.99.0', 24, 'reserved', 'deprecated 6to4 relay anycast (RFC 7526)'],
  ['192.168.0.0', 16, 'private', 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'reserved', 'benchmarking (RFC 2544)'],
  ['198.51.100.0', 24, 'documentation', 'documentation TEST-NET-2 (RFC 5737)'],
  ['203.0.113.0', 24, 'documentation', 'documentation TEST-NET-3 (RFC 5737)'],
  ['224.0.0.0', 4, 'multicast', 'multicast (RFC 5771)'],
  ['255.255.255.255', 32, 'reserved', 'limited broadcast (RFC 919)'],
  ['240.0.0.0', 4, 'reserved', 'reserved for future use (RFC 1112)'],
];

// IANA IPv6 Special-Purpose Address Registry; anything outside 2000::/3 (global unicast) that
// is not listed here is unassigned, hence reserved.
const V6_RANGES: readonly V6Range[] = [
  ['::/128', 'unspecified', 'unspecified (RFC 4291)'],
  ['::1/128', 'loopback', 'loopback (RFC 4291)'],
  ['fe80::/10', 'link-local', 'link-local (RFC 4291)'],
  ['fc00::/7', 'private', 'unique local (RFC 4193)'],
  ['fec0::/10', 'private', 'deprecated site-local (RFC 3879)'],
  ['ff00::/8', 'multicast', 'multicast (RFC 4291)'],
  ['2001:db8::/32', 'documentation', 'documentation (RFC 3849)'],
  ['3fff::/20', 'documentation', 'documentation (RFC 9637)'],
  ['2001:2::/48', 'reserved', 'benchmarking (RFC 5180)'],
  ['2001:10::/28', 'reserved', 'deprecated ORCHID (RFC 4843)'],
  ['2001:20::/28', 'reserved', 'ORCHIDv2 (RFC 7343)'],
  ['100::/64', 'reserved', 'discard-only (RFC 6666)'],
  ['64:ff9b:1::/48', 'reserved', 'local-use IPv4/IPv6 translation (RFC 8215)'],
];

const v4Table = V4_RANGES.map(([base, prefix, kind, label]) => {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (ipv4ToUint32(base)! & mask) >>> 0, mask, kind, label };
});
const v6Table = V6_RANGES.map(([cidr, kind, label]) => {
  const [addr, prefix] = ipaddr.IPv6.parseCIDR(cidr);
  return { addr, prefix, kind, label };
});
const globalUnicast = ipaddr.IPv6.parseCIDR('2000::/3');

/**
 * Classifies any client-IP form the collector sees: `1.2.3.4`, `1.2.3.4:5060`,
 * `[2001:db8::1]:443`, `::ffff:10.0.0.1` (unwrapped to IPv4), with a zone id, or garbage.
 * @example classifyIp('[::ffff:10.1.2.3]:443') // { kind: 'private', ip: '10.1.2.3', version: 4, ... }
 * @example classifyIp('8.8.8.8').kind === 'public'
 */
export function classifyIp(input: unknown): IpClassification {
  // Fast path for the commonest form, an already canonical dotted quad (no port, no leading
  // zeros, no spaces): it is its own canonical form, so the general parser has nothing to add.
  if (typeof input === 'string' && input.length <= 15 && isCanonicalDottedQuad(input)) return classifyV4(input);
  const ip = parseClientIp(input);
  if (ip === null) {
    const empty = input === null || input === undefined || (typeof input === 'string' && input.trim() === '');
    return { kind: 'invalid', reason: empty ? 'no address given' : 'not an IP address' };
  }
  // An IPv4 result from an input spelling ffff can only be an unwrapped ::ffff:a.b.c.d.
  const unwrapped = !ip.includes(':') && typeof input === 'string' && /ffff/i.test(input);
  const base = ip.includes(':') ? classifyV6(ip) : classifyV4(ip);
  return unwrapped ? { ...base, unwrappedFrom: 'ipv4-mapped' } : base;
}

/** True when the address should be sent to providers. */
export function isPublic(c: IpClassification): c is Extract<IpClassification, { kind: 'public' }> {
  return c.kind === 'public';
}

function classifyV4(ip: string): Exclude<IpClassification, { kind: 'invalid' }> {
  const n = ipv4ToUint32(ip)!;
  for (const r of v4Table) {
    if (((n & r.mask) >>> 0) === r.base) return { kind: r.kind, ip, version: 4, label: r.label };
  }
  return { kind: 'public', ip, version: 4 };
}

function classifyV6(ip: string): Exclude<IpClassification, { kind: 'invalid' }> {
  const addr = ipaddr.IPv6.parse(ip);
  for (const r of v6Table) {
    if (addr.match(r.addr, r.prefix)) return { kind: r.kind, ip, version: 6, label: r.label };
  }
  if (!addr.match(globalUnicast)) return { kind: 'reserved', ip, version: 6, label: 'outside global unicast 2000::/3 (RFC 4291)' };
  return { kind: 'public', ip, version: 6 };
}

/** Dotted quad to an unsigned 32-bit number; null when it is not one. */
export function ipv4ToUint32(ip: string): number | null {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return null;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      digits++;
    } else {
      return null;
    }
  }
  if (dots !== 3 || digits === 0 || part > 255) return null;
  return n * 256 + part;
}

/** `1.2.3.4` with every part 0–255 written without leading zeros. */
function isCanonicalDottedQuad(s: string): boolean {
  if (ipv4ToUint32(s) === null) return false;
  for (let i = 0; i < s.length - 1; i++) {
    // A part starting with 0 must be just "0".
    if (s.charCodeAt(i) === 48 && (i === 0 || s.charCodeAt(i - 1) === 46) && s.charCodeAt(i + 1) !== 46) return false;
  }
  return true;
}
