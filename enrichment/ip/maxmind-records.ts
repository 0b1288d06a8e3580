/**
 * Maps MaxMind's record shapes to the contract. The same shapes come from the databases
 * (City/Country/Enterprise nest network facts under `traits`; ASN, ISP, Connection Type and the
 * anonymiser databases are flat) and from the GeoIP2 web services (Insights adds an
 * `anonymizer` object), so the `maxmind` and `geoip2-web` providers share these functions.
 */
import { sortProxyTypes } from './merge.ts';
import type { IpAnonymizer, IpLocation, IpNetwork, IpUsage, ProxyType, UsageType } from './types.ts';

type Names = Readonly<Record<string, string>>;
interface Place {
  readonly names?: Names;
  readonly iso_code?: string;
  readonly code?: string;
  readonly is_in_european_union?: boolean;
}

/** The network/usage/anonymiser fields, flat in most databases and under `traits` elsewhere. */
export interface MaxmindFlatRecord {
  readonly autonomous_system_number?: number;
  readonly autonomous_system_organization?: string;
  readonly isp?: string;
  readonly organization?: string;
  readonly domain?: string;
  readonly connection_type?: string;
  readonly user_type?: string;
  readonly mobile_country_code?: string;
  readonly mobile_network_code?: string;
  readonly network?: string;
  readonly is_anycast?: boolean;
  readonly static_ip_score?: number;
  readonly user_count?: number;
  readonly is_anonymous?: boolean;
  readonly is_anonymous_vpn?: boolean;
  readonly is_hosting_provider?: boolean;
  readonly is_public_proxy?: boolean;
  readonly is_residential_proxy?: boolean;
  readonly is_tor_exit_node?: boolean;
  /** Anonymous Plus, IP Risk, Residential Proxy databases. */
  readonly anonymizer_confidence?: number;
  /** Insights web service `anonymizer` object. */
  readonly confidence?: number;
  readonly network_last_seen?: string;
  readonly provider_name?: string;
  /** IP Risk database. */
  readonly ip_risk?: number;
  /** Insights web service. */
  readonly ip_risk_snapshot?: number;
}

/** City, Country, Enterprise records and web-service bodies. */
export interface MaxmindGeoRecord {
  readonly city?: Place;
  readonly continent?: Place;
  readonly country?: Place;
  readonly registered_country?: Place;
  readonly location?: {
    readonly latitude?: number;
    readonly longitude?: number;
    readonly accuracy_radius?: number;
    readonly time_zone?: string;
  };
  readonly postal?: { readonly code?: string };
  readonly subdivisions?: readonly Place[];
  readonly traits?: MaxmindFlatRecord;
  readonly anonymizer?: MaxmindFlatRecord;
}

const name = (place: Place | undefined, locale: string): string | undefined => place?.names?.[locale] ?? place?.names?.en;

/** Location from a City / Country / Enterprise record or a web-service body; undefined when empty. */
export function locationFromMaxmind(r: MaxmindGeoRecord, locale = 'en'): IpLocation | undefined {
  const country = r.country ?? r.registered_country;
  if (country === undefined && r.location === undefined && r.city === undefined && r.continent === undefined) return undefined;
  // MaxMind lists subdivisions largest first: the first one is the state / region.
  const region = r.subdivisions?.[0];
  const loc: IpLocation = {};
  if (r.continent?.code) loc.continentCode = r.continent.code;
  if (country?.iso_code) loc.countryCode = country.iso_code;
  const countryName = name(country, locale);
  if (countryName) loc.countryName = countryName;
  if (r.registered_country?.iso_code) loc.registeredCountryCode = r.registered_country.iso_code;
  if (country?.is_in_european_union !== undefined) loc.isInEuropeanUnion = country.is_in_european_union;
  const regionName = name(region, locale);
  if (regionName) loc.region = regionName;
  if (region?.iso_code) loc.regionCode = region.iso_code;
  const city = name(r.city, locale);
  if (city) loc.city = city;
  if (r.postal?.code) loc.postalCode = r.postal.code;
  if (r.location?.latitude !== undefined) loc.latitude = r.location.latitude;
  if (r.location?.longitude !== undefined) loc.longitude = r.location.longitude;
  if (r.location?.accuracy_radius !== undefined) loc.accuracyRadiusKm = r.location.accuracy_radius;
  if (r.location?.time_zone) loc.timeZone = r.location.time_zone;
  return loc;
}

/** Network facts from an ASN / ISP / Connection Type record or `traits`; undefined when none. */
export function networkFromMaxmind(t: MaxmindFlatRecord): IpNetwork | undefined {
  const n: IpNetwork = {};
  if (t.isp !== undefined) n.isp = t.isp;
  if (t.organization !== undefined) n.organization = t.organization;
  if (t.autonomous_system_number !== undefined) n.asNumber = t.autonomous_system_number;
  if (t.autonomous_system_organization !== undefined) n.asOrganization = t.autonomous_system_organization;
  if (t.domain !== undefined) n.domain = t.domain;
  if (t.connection_type !== undefined) n.connectionType = t.connection_type;
  if (t.network !== undefined) n.network = t.network;
  if (t.mobile_country_code !== undefined) n.mobileCountryCode = t.mobile_country_code;
  if (t.mobile_network_code !== undefined) n.mobileNetworkCode = t.mobile_network_code;
  if (t.is_anycast !== undefined) n.isAnycast = t.is_anycast;
  for (const _ in n) return n;
  return undefined;
}

// MaxMind `user_type` values (GeoIP2 Insights / Enterprise) and what they mean for an admin.
const USER_TYPES: Readonly<Record<string, UsageType>> = {
  residential: 'residential',
  cellular: 'mobile',
  business: 'business',
  hosting: 'hosting',
  content_delivery_network: 'cdn',
  college: 'education',
  school: 'education',
  library: 'library',
  government: 'government',
  military: 'military',
  cafe: 'cafe',
  traveler: 'traveler',
  search_engine_spider: 'search-engine',
  router: 'router',
  dialup: 'dialup',
  consumer_privacy_network: 'privacy-network',
};

// Connection Type is coarser; used only when there is no user type.
const CONNECTION_TYPES: Readonly<Record<string, UsageType>> = {
  'Cable/DSL': 'residential',
  Cellular: 'mobile',
  Corporate: 'business',
  Satellite: 'satellite',
  Dialup: 'dialup',
};

/** Usage from `user_type` (preferred) or `connection_type`; undefined when neither maps. */
export function usageFromMaxmind(t: MaxmindFlatRecord): IpUsage | undefined {
  const type =
    (t.user_type !== undefined ? USER_TYPES[t.user_type] : undefined) ?? (t.connection_type !== undefined ? CONNECTION_TYPES[t.connection_type] : undefined);
  if (type === undefined) return undefined;
  const usage: IpUsage = { type };
  if (t.user_type !== undefined) usage.userType = t.user_type;
  if (t.connection_type !== undefined) usage.connectionType = t.connection_type;
  if (t.static_ip_score !== undefined) usage.staticIpScore = t.static_ip_score;
  if (t.user_count !== undefined) usage.userCount = t.user_count;
  return usage;
}

/**
 * Anonymiser facts from Anonymous IP / Anonymous Plus / IP Risk / Residential Proxy records,
 * `traits` or the Insights `anonymizer` object. `impliedType` covers databases whose every
 * entry is one kind (Residential Proxy). Undefined when the record says nothing about it.
 */
export function anonymizerFromMaxmind(t: MaxmindFlatRecord, impliedType?: ProxyType): IpAnonymizer | undefined {
  const types: ProxyType[] = [];
  if (t.is_tor_exit_node) types.push('tor-exit');
  if (t.is_public_proxy) types.push('public-proxy');
  if (t.is_residential_proxy) types.push('residential-proxy');
  if (t.is_anonymous_vpn) types.push('vpn');
  if (t.is_hosting_provider) types.push('hosting-provider');
  if (impliedType !== undefined && !types.includes(impliedType)) {
    types.push(impliedType);
    sortProxyTypes(types);
  }
  const confidence = t.anonymizer_confidence ?? t.confidence;
  const risk = t.ip_risk ?? t.ip_risk_snapshot;
  if (types.length === 0 && t.is_anonymous === undefined && confidence === undefined && risk === undefined && t.provider_name === undefined) return undefined;
  const a: IpAnonymizer = { isAnonymous: t.is_anonymous === true || types.length > 0, proxyTypes: types };
  if (t.provider_name !== undefined) a.providerName = t.provider_name;
  if (confidence !== undefined) a.confidence = confidence;
  if (t.network_last_seen !== undefined) a.lastSeen = t.network_last_seen;
  if (risk !== undefined) a.riskScore = risk;
  return a;
}
