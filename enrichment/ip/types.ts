/**
 * The IP intelligence contract: what one address looks like to an admin deciding about a
 * sign-in, and what every provider (MaxMind databases, the free npm data, a web service,
 * later IP2Proxy or ipinfo) may contribute to it. Every part and field is optional because
 * no source knows everything; `sources` says who said what.
 */
import type { IpClassification } from './classify.ts';

/** Where the address is. Coordinates are approximate: `accuracyRadiusKm` says how approximate. */
export interface IpLocation {
  continentCode?: string;
  /** ISO 3166-1 alpha-2, e.g. `GB`. */
  countryCode?: string;
  countryName?: string;
  /** The country the network is registered in, when it differs from where it is used. */
  registeredCountryCode?: string;
  isInEuropeanUnion?: boolean;
  /** Region / state / province name, e.g. `England`, `Washington`. */
  region?: string;
  /** Region part of ISO 3166-2, e.g. `ENG`, `WA`. */
  regionCode?: string;
  city?: string;
  postalCode?: string;
  latitude?: number;
  longitude?: number;
  accuracyRadiusKm?: number;
  timeZone?: string;
}

/** Who operates the network the address belongs to. */
export interface IpNetwork {
  isp?: string;
  organization?: string;
  asNumber?: number;
  asOrganization?: string;
  /** Second-level domain of the network, e.g. `example.com`. */
  domain?: string;
  /** The provider's connection type as given, e.g. `Cable/DSL`, `Cellular`, `Corporate`. */
  connectionType?: string;
  /** The largest network (CIDR) with the same data, when the provider says. */
  network?: string;
  mobileCountryCode?: string;
  mobileNetworkCode?: string;
  isAnycast?: boolean;
}

/**
 * What kind of place the address is used from. A sign-in from `hosting` or `privacy-network`
 * deserves a second look; `residential`, `mobile` and `business` are where people work.
 */
export const usageTypes = [
  'residential',
  'mobile',
  'business',
  'hosting',
  'cdn',
  'education',
  'library',
  'government',
  'military',
  'cafe',
  'traveler',
  'search-engine',
  'router',
  'dialup',
  'satellite',
  'privacy-network',
] as const;
export type UsageType = (typeof usageTypes)[number];

export interface IpUsage {
  type: UsageType;
  /** The provider's own words it was mapped from, kept for the details page. */
  userType?: string;
  connectionType?: string;
  /** How static the address is (MaxMind `static_ip_score`, 0 to 99.99; low = changes often). */
  staticIpScore?: number;
  /** Estimated users sharing the address (or /64) in the past day. */
  userCount?: number;
}

/**
 * Kinds of anonymiser, strongest signal first: a Tor exit or an open proxy is rarely an
 * employee; a residential proxy hides an attacker behind a home address; a VPN or a hosting
 * provider is common for travelling staff and worth a look rather than an alarm.
 */
export const proxyTypes = ['tor-exit', 'public-proxy', 'residential-proxy', 'vpn', 'hosting-provider'] as const;
export type ProxyType = (typeof proxyTypes)[number];

export interface IpAnonymizer {
  isAnonymous: boolean;
  /** Every kind flagged, strongest signal first (see `proxyTypes`). */
  proxyTypes: ProxyType[];
  /** The VPN or proxy service, e.g. `NordVPN`, when known. */
  providerName?: string;
  /** Provider's confidence (1–99) that the network is an active anonymiser. */
  confidence?: number;
  /** Last day (YYYY-MM-DD) the network was seen as an anonymiser. */
  lastSeen?: string;
  /** Risk score as the source gives it (MaxMind IP Risk: 0.01–99, higher is riskier). */
  riskScore?: number;
  /** What the address was seen doing (e.g. `spam`, `scanner`, `botnet`), where the source reports it. */
  threats?: string[];
}

/** The four parts of an answer; `sources` is keyed by these. */
export const intelParts = ['location', 'network', 'usage', 'anonymizer'] as const;
export type IntelPart = (typeof intelParts)[number];

/** What a provider may contribute: any subset of any part. */
export interface PartialIpIntel {
  location?: IpLocation;
  network?: IpNetwork;
  usage?: IpUsage;
  anonymizer?: IpAnonymizer;
}

/**
 * One provider's answer for one address. `no-data` is a normal answer (the address is not in
 * its data); `unavailable` means the provider could not answer (broken file, quota, outage).
 * `notes` carry partial problems, e.g. one of several databases is unavailable.
 */
export type ProviderAnswer =
  | { status: 'ok'; intel: PartialIpIntel; notes?: string[] }
  | { status: 'no-data'; reason?: string; notes?: string[] }
  | { status: 'unavailable'; reason: string };

/**
 * A source of IP intelligence. `lookup` receives a classified public address in canonical form
 * (IPv4 dotted quad or RFC 5952 IPv6) and never throws: failures are `unavailable` answers.
 * The service also hands over the address as the classifier parsed it (`words`, see
 * `classifyIpInto`), so local databases need not parse it again; the array is reused for the
 * next address, so read it before returning and never keep it.
 */
export interface IpIntelProvider<Name extends string = string> {
  readonly name: Name;
  lookup(ip: string, version: 4 | 6, words?: Uint32Array): ProviderAnswer | Promise<ProviderAnswer>;
  /** Per-database or per-endpoint state for `/healthz` and the settings page. */
  health(): ProviderHealth;
  close(): Promise<void> | void;
}

export interface ProviderHealth {
  status: 'ok' | 'degraded' | 'unavailable';
  /** One line per component (database file, endpoint), e.g. `city: GeoIP2-City 2026-06-17 (/var/lib/GeoIP/GeoIP2-City.mmdb)`. */
  details: string[];
}

/** One provider's part in a merged answer. */
export interface ProviderOutcome {
  provider: string;
  status: ProviderAnswer['status'];
  reason?: string;
  notes?: string[];
}

/** The full answer for one client-IP string, as `createIpIntel(...).lookup` returns it. */
export interface IpIntelResult {
  /** The input as received (attacker-influenced: escape on output). */
  input: string;
  classification: IpClassification;
  /** Merged intel; empty when the address is not public or nobody knew it. */
  intel: PartialIpIntel;
  /** Which providers contributed to each part, in precedence order. */
  sources: Partial<Record<IntelPart, string[]>>;
  /** Every consulted provider's outcome (absent when the address was not looked up). */
  providers: ProviderOutcome[];
  /** True when this answer came from the result cache. */
  cached: boolean;
}
