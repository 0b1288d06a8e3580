import type { PartialIpIntel } from '../../../enrichment/ip/types.ts';
import type { RuleCase } from '../types.ts';
import { graphSignIn, PLACES, ualSignIn } from './fixtures/case-records.ts';

/**
 * IP intelligence as the service merges it (enrichment/ip/types.ts). Addresses and flags follow
 * MaxMind's test data (GeoIP2-Anonymous-IP-Test) and the free ip-location-db data.
 */
const TOR: PartialIpIntel = { location: { countryCode: 'AU' }, anonymizer: { isAnonymous: true, proxyTypes: ['tor-exit', 'vpn'] } };
const VPN: PartialIpIntel = { location: { countryCode: 'NL' }, anonymizer: { isAnonymous: true, proxyTypes: ['vpn'], providerName: 'NordVPN' } };
const RESIDENTIAL_PROXY: PartialIpIntel = { anonymizer: { isAnonymous: true, proxyTypes: ['residential-proxy'] } };
/** ip-location-db knows the AS only: DigitalOcean is on the list of hosting networks. */
const DIGITALOCEAN: PartialIpIntel = { location: { countryCode: 'US', city: 'Clifton' }, network: { asNumber: 14061, asOrganization: 'DigitalOcean, LLC' } };
const HOME_ISP: PartialIpIntel = {
  location: { countryCode: 'US', city: 'Seattle' },
  network: { asNumber: 7922, asOrganization: 'Comcast Cable Communications, LLC' },
  usage: { type: 'residential', userType: 'residential' },
};
/** Insights data says the Cloudflare address is a business gateway (Zero Trust egress), not a VPN: the AS list is not consulted. */
const CLOUDFLARE_GATEWAY: PartialIpIntel = {
  network: { asNumber: 13335, asOrganization: 'Cloudflare, Inc.' },
  usage: { type: 'business', userType: 'business' },
};

const user = 'megan.bowen@contoso.com';
const rule = 'M365.AzureAD.AnonymizedIpSignIn';

export const cases: RuleCase[] = [
  {
    name: 'successful sign-in from a Tor exit node (audit log)',
    expected: true,
    record: ualSignIn({ user, ip: '1.124.213.1' }),
    ipIntel: { '1.124.213.1': TOR },
  },
  {
    name: 'successful sign-in through a commercial VPN (Graph)',
    expected: true,
    record: graphSignIn({ user, ip: '1.2.0.7', place: PLACES.amsterdam }),
    ipIntel: { '1.2.0.7': VPN },
  },
  {
    name: 'Entra flags anonymizedIPAddress on the Graph sign-in, no IP intelligence configured',
    expected: true,
    record: graphSignIn({
      user,
      ip: '104.28.196.63',
      place: PLACES.amsterdam,
      riskEventTypes: ['unfamiliarFeatures', 'anonymizedIPAddress'],
      riskLevelDuringSignIn: 'medium',
    }),
  },
  {
    name: 'successful sign-in from a hosting provider known by its AS only',
    expected: true,
    record: ualSignIn({ user, ip: '159.203.84.17' }),
    ipIntel: { '159.203.84.17': DIGITALOCEAN },
  },
  {
    name: 'right password from a residential proxy, stopped by MFA (50074)',
    expected: true,
    record: ualSignIn({ user, ip: '6.1.0.4', errorNumber: 50074, logonError: 'UserStrongAuthClientAuthNRequiredInterrupt' }),
    ipIntel: { '6.1.0.4': RESIDENTIAL_PROXY },
  },
  {
    name: 'near miss: wrong password from a Tor exit node (spray noise, counted by the spray rules)',
    expected: false,
    record: ualSignIn({ user, ip: '1.124.213.1', errorNumber: 50126 }),
    ipIntel: { '1.124.213.1': TOR },
  },
  { name: 'near miss: home broadband', expected: false, record: graphSignIn({ user, ip: '198.51.100.23' }), ipIntel: { '198.51.100.23': HOME_ISP } },
  {
    name: 'near miss: Cloudflare address the IP data calls a business gateway',
    expected: false,
    record: graphSignIn({ user, ip: '104.28.9.20' }),
    ipIntel: { '104.28.9.20': CLOUDFLARE_GATEWAY },
  },
  {
    name: 'near miss: hosting network the tenant allows (its own VPN concentrator)',
    expected: false,
    record: ualSignIn({ user, ip: '159.203.84.17' }),
    ipIntel: { '159.203.84.17': DIGITALOCEAN },
    settings: { rules: { [rule]: { allowedAsns: [14061] } } },
  },
  {
    name: 'hosting providers turned off for the tenant',
    expected: false,
    record: ualSignIn({ user, ip: '159.203.84.17' }),
    ipIntel: { '159.203.84.17': DIGITALOCEAN },
    settings: { rules: { [rule]: { hostingProviders: false } } },
  },
  { name: 'no IP intelligence and no Entra risk', expected: false, record: ualSignIn({ user, ip: '159.203.84.17' }) },
];
