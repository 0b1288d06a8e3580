/**
 * Says what a client-IP string is before anyone looks it up: a public address worth asking
 * providers about, or a special-purpose address that is labelled and never looked up
 * (a private or CGNAT address says nothing about where a user is, and sending it to a paid
 * web service would waste a query).
 */
import ipaddr from 'ipaddr.js';
import { parseClientIp } from '../../services/activity/client-ip.ts';

export const specialRanges = ['private', 'loopback', 'link-local', 'cgnat', 'documentation', 'multicast', 'unspecified', 'reserved'] as const;
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
// First octets no special range touches: such an address is public without a range check,
// which is most of them.
const v4Special = new Uint8Array(256);
for (const r of v4Table) {
  const first = r.base >>> 24;
  const last = (r.base | (~r.mask >>> 0)) >>> 24;
  for (let o = first; o <= last; o++) v4Special[o] = 1;
}

// Each range as four 32-bit words and four masks, so a check is four ANDs.
const v6Table = V6_RANGES.map(([cidr, kind, label]) => {
  const [addr, prefix] = ipaddr.IPv6.parseCIDR(cidr);
  const words = new Uint32Array(4);
  const masks = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    words[i] = ((addr.parts[2 * i]! << 16) | addr.parts[2 * i + 1]!) >>> 0;
    const bits = Math.max(0, Math.min(32, prefix - 32 * i));
    masks[i] = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    words[i] = (words[i]! & masks[i]!) >>> 0;
  }
  return { words, masks, kind, label };
});

/**
 * Classifies any client-IP form the collector sees: `1.2.3.4`, `1.2.3.4:5060`,
 * `[2001:db8::1]:443`, `::ffff:10.0.0.1` (unwrapped to IPv4), with a zone id, or garbage.
 * @example classifyIp('[::ffff:10.1.2.3]:443') // { kind: 'private', ip: '10.1.2.3', version: 4, ... }
 * @example classifyIp('8.8.8.8').kind === 'public'
 */
export function classifyIp(input: unknown): IpClassification {
  return classifyIpInto(input, scratch);
}
const scratch = new Uint32Array(4);

/**
 * `classifyIp`, leaving the address as 32-bit words in `words` (IPv4: `words[0]`; IPv6: all
 * four, most significant first) so lookups need not parse it again.
 * @example const w = new Uint32Array(4); classifyIpInto('8.8.8.8', w); w[0] === 0x08080808
 */
export function classifyIpInto(input: unknown, words: Uint32Array): IpClassification {
  if (typeof input === 'string') {
    // Fast paths for the forms Graph and the audit log send most: a canonical dotted quad (no
    // port, no leading zeros, no spaces) and bare IPv6 in hex groups. Both are parsed once,
    // straight into words; anything else goes through the general parser below.
    if (input.length <= 15) {
      const n = canonicalDottedQuad(input);
      if (n >= 0) {
        words[0] = n;
        return classifyV4(input, n);
      }
    }
    if (input.length <= 39 && input.length >= 2 && parseIpv6Words(input, words)) return classifyV6Words(input, words, false);
  }
  const ip = parseClientIp(input);
  if (ip === null) {
    const empty = input === null || input === undefined || (typeof input === 'string' && input.trim() === '');
    return { kind: 'invalid', reason: empty ? 'no address given' : 'not an IP address' };
  }
  if (ip.includes(':')) {
    parseIpv6Words(ip, words);
    return classifyV6Words(ip, words, true);
  }
  words[0] = ipv4ToUint32(ip)!;
  const base = classifyV4(ip, words[0]);
  // An IPv4 result from an input spelling ffff can only be an unwrapped ::ffff:a.b.c.d.
  return typeof input === 'string' && /ffff/i.test(input) ? { ...base, unwrappedFrom: 'ipv4-mapped' } : base;
}

/** True when the address should be sent to providers. */
export function isPublic(c: IpClassification): c is Extract<IpClassification, { kind: 'public' }> {
  return c.kind === 'public';
}

function classifyV4(ip: string, n: number): Exclude<IpClassification, { kind: 'invalid' }> {
  if (v4Special[n >>> 24] === 1) {
    for (const r of v4Table) {
      if ((n & r.mask) >>> 0 === r.base) return { kind: r.kind, ip, version: 4, label: r.label };
    }
  }
  return { kind: 'public', ip, version: 4 };
}

/** `canonical`: `ip` is already in RFC 5952 form (it came from the general parser). */
function classifyV6Words(ip: string, w: Uint32Array, canonical: boolean): Exclude<IpClassification, { kind: 'invalid' }> {
  if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) {
    // IPv4-mapped (::ffff:808:808): the IPv4 address is what the user had.
    const n = w[3]!;
    w[0] = n;
    const v4 = `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    return { ...classifyV4(v4, n), unwrappedFrom: 'ipv4-mapped' };
  }
  const text = canonical ? ip : formatIpv6Words(w);
  // Most public addresses sit in 2000::/3 outside the few special ranges in it.
  for (const r of v6Table) {
    const m = r.masks;
    const b = r.words;
    if ((w[0]! & m[0]!) >>> 0 === b[0] && (w[1]! & m[1]!) >>> 0 === b[1] && (w[2]! & m[2]!) >>> 0 === b[2] && (w[3]! & m[3]!) >>> 0 === b[3]) {
      return { kind: r.kind, ip: text, version: 6, label: r.label };
    }
  }
  if (w[0]! >>> 29 !== 1) return { kind: 'reserved', ip: text, version: 6, label: 'outside global unicast 2000::/3 (RFC 4291)' };
  return { kind: 'public', ip: text, version: 6 };
}

/**
 * Parses IPv6 written as hex groups with at most one `::` (no brackets, port, zone or embedded
 * dotted quad: those take the general path) into four 32-bit words. False when it is not that.
 */
export function parseIpv6Words(s: string, out: Uint32Array): boolean {
  const groups = v6Groups;
  let count = 0;
  let gap = -1;
  let i = 0;
  const len = s.length;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
    if (i === len) {
      out.fill(0);
      return true;
    }
  }
  for (;;) {
    let v = 0;
    let digits = 0;
    while (i < len) {
      const c = s.charCodeAt(i);
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (d < 0) break;
      v = v * 16 + d;
      digits++;
      i++;
    }
    if (digits === 0 || digits > 4 || count === 8) return false;
    groups[count++] = v;
    if (i === len) break;
    if (s.charCodeAt(i) !== 58) return false;
    i++;
    if (s.charCodeAt(i) === 58) {
      if (gap !== -1) return false;
      gap = count;
      i++;
      if (i === len) break;
    }
  }
  if (gap === -1) {
    if (count !== 8) return false;
  } else {
    if (count > 7) return false;
    const tail = count - gap;
    for (let k = 7; k >= 8 - tail; k--) groups[k] = groups[gap + tail - (8 - k)]!;
    for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  }
  for (let k = 0; k < 4; k++) out[k] = ((groups[2 * k]! << 16) | groups[2 * k + 1]!) >>> 0;
  return true;
}
const v6Groups = [0, 0, 0, 0, 0, 0, 0, 0];

/** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
export function formatIpv6Words(w: Uint32Array): string {
  const g = v6Groups;
  for (let k = 0; k < 4; k++) {
    g[2 * k] = w[k]! >>> 16;
    g[2 * k + 1] = w[k]! & 0xffff;
  }
  let bestAt = -1;
  let bestLen = 1;
  for (let k = 0; k < 8;) {
    if (g[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && g[e] === 0) e++;
    if (e - k > bestLen) {
      bestAt = k;
      bestLen = e - k;
    }
    k = e;
  }
  let out = '';
  for (let k = 0; k < 8; k++) {
    if (k === bestAt) {
      out += '::';
      k += bestLen - 1;
      continue;
    }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += g[k]!.toString(16);
  }
  return out;
}

/**
 * A canonical address (as in a classification) as words, for callers that were given text only.
 * @example addressWords('2001:db8::1', 6) // Uint32Array [0x20010db8, 0, 0, 1]
 */
export function addressWords(ip: string, version: 4 | 6): Uint32Array {
  const w = new Uint32Array(4);
  if (version === 4) w[0] = ipv4ToUint32(ip) ?? 0;
  else parseIpv6Words(ip, w);
  return w;
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

/** `1.2.3.4` with every part 0–255 written without leading zeros, as a number; else -1. */
function canonicalDottedQuad(s: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      // A part starting with 0 must be just "0".
      if (digits === 1 && part === 0) return -1;
      part = part * 10 + (c - 48);
      digits++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return n * 256 + part;
}
