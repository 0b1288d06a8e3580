/**
 * Where simulated sign-ins come from. Ordinary users sit behind addresses from the
 * documentation ranges (RFC 5737 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and RFC 3849
 * 2001:db8::/32): residential and office addresses can identify people, so none are real.
 * Attacker infrastructure uses published ranges of real hosting and VPN providers, which
 * identify companies, not people, and let IP intelligence classify them as hosting / VPN.
 */
import type { Prng } from '../prng.ts';

export interface Place {
  city: string;
  state: string;
  countryOrRegion: string;
  latitude: number;
  longitude: number;
}

export interface Network {
  /** Label for scenario readers and the IP intelligence simulator. */
  name: string;
  kind: 'office' | 'residential' | 'mobile' | 'hosting' | 'vpn';
  /** Autonomous system, when it is a real provider's. */
  asn?: number;
  place: Place;
  /** Draws one address from the network. */
  address(prng: Prng): string;
}

export const PLACES = {
  redmond: { city: 'Redmond', state: 'Washington', countryOrRegion: 'US', latitude: 47.674, longitude: -122.1215 },
  seattle: { city: 'Seattle', state: 'Washington', countryOrRegion: 'US', latitude: 47.6062, longitude: -122.3321 },
  newYork: { city: 'New York', state: 'New York', countryOrRegion: 'US', latitude: 40.7128, longitude: -74.006 },
  london: { city: 'London', state: 'England', countryOrRegion: 'GB', latitude: 51.5072, longitude: -0.1276 },
  berlin: { city: 'Berlin', state: 'Berlin', countryOrRegion: 'DE', latitude: 52.52, longitude: 13.405 },
  amsterdam: { city: 'Amsterdam', state: 'Noord-Holland', countryOrRegion: 'NL', latitude: 52.3676, longitude: 4.9041 },
  frankfurt: { city: 'Frankfurt am Main', state: 'Hessen', countryOrRegion: 'DE', latitude: 50.1109, longitude: 8.6821 },
  clifton: { city: 'Clifton', state: 'New Jersey', countryOrRegion: 'US', latitude: 40.8584, longitude: -74.1638 },
} as const satisfies Record<string, Place>;

const v4 =
  (prefix: string, from: number, to: number) =>
  (prng: Prng): string =>
    `${prefix}.${prng.int(from, to)}`;
/** An address in a /64: the prefix's four groups, `::`, then two drawn groups (eight groups in all, so it parses as IPv6). */
const v6 =
  (prefix: string) =>
  (prng: Prng): string =>
    `${prefix}::${prng.hex(4).replace(/^0+/, '') || '0'}:${prng.hex(4).replace(/^0+/, '') || '1'}`;

/** The customer's usual networks. */
export const USUAL_NETWORKS = {
  contosoOffice: { name: 'Contoso HQ egress (documentation range)', kind: 'office', place: PLACES.redmond, address: v4('203.0.113', 10, 14) },
  usCable: { name: 'US residential cable ISP (documentation range)', kind: 'residential', place: PLACES.seattle, address: v4('198.51.100', 1, 126) },
  usMobile: { name: 'US mobile carrier (documentation range, IPv6)', kind: 'mobile', place: PLACES.newYork, address: v6('2001:db8:1:4a0') },
  ukBroadband: { name: 'UK broadband ISP (documentation range)', kind: 'residential', place: PLACES.london, address: v4('198.51.100', 129, 254) },
  deTelecom: { name: 'German telecom ISP (documentation range)', kind: 'residential', place: PLACES.berlin, address: v4('192.0.2', 1, 126) },
  deMobile: { name: 'German mobile carrier (documentation range, IPv6)', kind: 'mobile', place: PLACES.berlin, address: v6('2001:db8:de:20') },
} as const satisfies Record<string, Network>;

/** Attacker infrastructure: public ranges of real providers (company data, not personal data). */
export const ATTACKER_NETWORKS = {
  /** DigitalOcean (AS14061), a hosting provider: password sprays commonly come from such droplets. */
  hostingSpray: { name: 'DigitalOcean, LLC', kind: 'hosting', asn: 14061, place: PLACES.clifton, address: v4('159.203.84', 2, 250) },
  /** Cloudflare WARP (AS13335) egress, a consumer VPN, seen abroad. */
  vpnAbroad: { name: 'Cloudflare WARP', kind: 'vpn', asn: 13335, place: PLACES.amsterdam, address: v4('104.28.196', 2, 250) },
} as const satisfies Record<string, Network>;

/**
 * ClientIP renderings the Management Activity API emits for one address. STS logons carry a
 * bare address; Exchange cmdlet records usually carry a port; some records use brackets or
 * IPv4-mapped IPv6.
 */
export function clientIpForm(address: string, form: 'bare' | 'port' | 'bracketed-port' | 'mapped' | 'bracketed', prng: Prng): string {
  const isV6 = address.includes(':');
  const port = prng.int(1024, 65535);
  switch (form) {
    case 'bare':
      return address;
    case 'port':
      return isV6 ? `[${address}]:${port}` : `${address}:${port}`;
    case 'bracketed-port':
      return `[${address}]:${port}`;
    case 'bracketed':
      return `[${address}]`;
    case 'mapped':
      return isV6 ? address : `::ffff:${address}`;
  }
}
