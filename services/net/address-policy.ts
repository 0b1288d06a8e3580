import ipaddr from 'ipaddr.js';

/**
 * Which addresses an outbound notification may reach. Web requests, Slack and Teams URLs are
 * typed by MSP admins, and Tenantwatch runs next to databases, metadata services and admin
 * ports: a URL must never become a way in (SSRF). Only public unicast addresses are allowed,
 * unless an installation admin allows a range (`TW_NOTIFY_ALLOW_CIDRS`, e.g. an internal SIEM).
 */

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Cloud metadata services: refused even inside an allowed range, unless allowed by exact address. */
const METADATA_ADDRESSES = ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200'].map((a) => ipaddr.parse(a));

/** The admin's list, parsed once. Bare addresses count as a single-address range. */
export type AllowList = readonly Range[];

export class AllowListError extends Error {
  override name = 'AllowListError';
}

/**
 * Parses `['10.20.0.0/16', '127.0.0.1', '::1']`. Throws `AllowListError` naming the bad entry.
 */
export function parseAllowList(entries: readonly string[]): AllowList {
  return entries.map((raw) => {
    const entry = raw.trim();
    try {
      if (entry.includes('/')) {
        const [address, bits] = ipaddr.parseCIDR(entry);
        return [normalise(address), address.kind() === 'ipv6' && normalise(address).kind() === 'ipv4' ? Math.max(0, bits - 96) : bits] as Range;
      }
      const address = normalise(ipaddr.parse(entry));
      return [address, address.kind() === 'ipv4' ? 32 : 128] as Range;
    } catch {
      throw new AllowListError(`'${entry}' is not an IP address or CIDR range (e.g. 10.20.0.0/16)`);
    }
  });
}

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is the IPv4 address it carries. */
function normalise(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (address.kind() === 'ipv6') {
    const v6 = address as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  }
  return address;
}

function inList(address: ipaddr.IPv4 | ipaddr.IPv6, list: AllowList): boolean {
  return list.some(([base, bits]) => base.kind() === address.kind() && address.match(base, bits));
}

function isExactlyAllowed(address: ipaddr.IPv4 | ipaddr.IPv6, list: AllowList): boolean {
  const full = address.kind() === 'ipv4' ? 32 : 128;
  return list.some(([base, bits]) => bits === full && base.kind() === address.kind() && base.toNormalizedString() === address.toNormalizedString());
}

/** The IPv4 address an IPv6 transition address leads to (NAT64, 6to4, SIIT), if any. */
function embeddedIPv4(v6: ipaddr.IPv6, range: string): ipaddr.IPv4 | null {
  const p = v6.parts;
  const fromParts = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  switch (range) {
    case 'rfc6052':
    case 'rfc6145':
      return fromParts(p[6]!, p[7]!);
    case '6to4':
      return fromParts(p[1]!, p[2]!);
    default:
      return null;
  }
}

export type AddressVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Whether one resolved address may be connected to. Refused: private (10/8, 172.16/12,
 * 192.168/16), loopback, link-local, CGNAT (100.64/10), unique-local (fc00::/7), unspecified,
 * multicast, broadcast, reserved and documentation ranges, IPv6 addresses that lead to one of
 * those over IPv4 (mapped, NAT64, 6to4), and cloud metadata addresses.
 */
export function checkAddress(text: string, allow: AllowList = []): AddressVerdict {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(text);
  } catch {
    return { ok: false, reason: `'${text}' is not an IP address` };
  }
  const address = normalise(parsed);
  const shown = address.toString();
  if (METADATA_ADDRESSES.some((m) => m.kind() === address.kind() && m.toNormalizedString() === address.toNormalizedString())) {
    return isExactlyAllowed(address, allow) ? { ok: true } : { ok: false, reason: `${shown} is a cloud metadata address` };
  }
  if (inList(address, allow)) return { ok: true };
  const range = address.range();
  if (range === 'unicast') {
    // IPv4-compatible IPv6 (::a.b.c.d, deprecated) is not in ipaddr.js's table: refuse it.
    if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).parts.slice(0, 6).every((x) => x === 0)) {
      return { ok: false, reason: `${shown} is an IPv4-compatible IPv6 address` };
    }
    return { ok: true };
  }
  if (address.kind() === 'ipv6') {
    const inner = embeddedIPv4(address as ipaddr.IPv6, range);
    if (inner) {
      const verdict = checkAddress(inner.toString(), allow);
      return verdict.ok ? verdict : { ok: false, reason: `${shown} leads to ${inner.toString()}: ${verdict.reason}` };
    }
  }
  return { ok: false, reason: `${shown} is a ${RANGE_WORDS[range] ?? `${range} range`} address` };
}

const RANGE_WORDS: Record<string, string> = {
  private: 'private network',
  loopback: 'loopback',
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade NAT (100.64.0.0/10)',
  uniqueLocal: 'unique-local (private IPv6)',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
  reserved: 'reserved or documentation',
  teredo: 'Teredo tunnel',
};
