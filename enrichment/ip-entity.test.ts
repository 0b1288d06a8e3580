import { describe, expect, test } from 'vitest';
import { classifyIp, type IpIntelResult } from './ip/index.ts';
import { compileToPredicate, parseFilter, type FilterableEvent } from '../services/language/index.ts';
import { ipEntityResult } from './ip-entity.ts';

const result = (input: string, rest: Partial<IpIntelResult> = {}): IpIntelResult => ({
  input,
  classification: classifyIp(input),
  intel: {},
  sources: {},
  providers: [],
  cached: false,
  ...rest,
});

describe('an IP address as an entity', () => {
  test('a public address a provider knows is recorded with what it said and who said it', () => {
    const r = ipEntityResult(
      result('104.28.196.63:14204', {
        intel: { location: { countryCode: 'US', city: 'Gastonia' }, network: { asNumber: 13335, asOrganization: 'Cloudflare, Inc.' } },
        sources: { location: ['ip-location-db'], network: ['ip-location-db'] },
        providers: [{ provider: 'ip-location-db', status: 'ok' }],
      }),
    );
    expect(r).toEqual({
      status: 'recorded',
      snapshot: {
        schemaVersion: 1,
        ip: '104.28.196.63',
        version: 4,
        range: 'public',
        label: null,
        location: { countryCode: 'US', city: 'Gastonia' },
        network: { asNumber: 13335, asOrganization: 'Cloudflare, Inc.' },
        usage: null,
        anonymizer: null,
        sources: { location: ['ip-location-db'], network: ['ip-location-db'] },
        providers: [{ provider: 'ip-location-db', status: 'ok' }],
      },
    });
  });

  test("the filter language's IP fields read what it records (IP.CountryCode and the rest match it)", () => {
    const r = ipEntityResult(
      result('185.107.56.10', {
        intel: {
          location: { countryCode: 'NL', countryName: 'Netherlands', region: 'North Holland', city: 'Amsterdam', latitude: 52.37, longitude: 4.89 },
          network: { asNumber: 43350, asOrganization: 'NForce Entertainment B.V.', isp: 'NFOrce' },
          usage: { type: 'hosting' },
          anonymizer: { isAnonymous: true, proxyTypes: ['vpn', 'hosting-provider'], providerName: 'NordVPN' },
        },
        providers: [{ provider: 'maxmind', status: 'ok' }],
      }),
    );
    const event = { entities: { ip: [{ key: '185.107.56.10', snapshot: r.status === 'recorded' ? r.snapshot : null }] } } as unknown as FilterableEvent;
    for (const expression of [
      "IP.CountryCode = 'NL'",
      "IP.Country = 'Netherlands'",
      'IP.ASN = 43350',
      "IP.ISP = 'NFOrce'",
      "IP.UsageType = 'hosting'",
      'IP.IsAnonymous = true',
      "IP.ProxyType = 'vpn'",
      "IP.City = 'Amsterdam'",
    ]) {
      expect(compileToPredicate(parseFilter(expression))(event), expression).toBe(true);
    }
    expect(compileToPredicate(parseFilter("IP.CountryCode = 'US'"))(event)).toBe(false);
  });

  test('a private address is recorded as such, without asking anyone', () => {
    expect(ipEntityResult(result('10.1.2.3'))).toMatchObject({
      status: 'recorded',
      snapshot: { range: 'private', label: 'private (RFC 1918)', location: null },
    });
  });

  test('no provider with data is final; every provider down is worth retrying; garbage is no data', () => {
    expect(ipEntityResult(result('8.8.8.8', { providers: [{ provider: 'maxmind', status: 'no-data' }] }))).toEqual({
      status: 'unavailable',
      reason: 'no-data',
      message: 'No IP intelligence source has data for this address.',
      transient: false,
    });
    expect(ipEntityResult(result('8.8.8.8', { providers: [{ provider: 'geoip2-web', status: 'unavailable', reason: 'HTTP 503' }] }))).toMatchObject({
      status: 'unavailable',
      reason: 'error',
      transient: true,
      message: 'IP intelligence could not answer: geoip2-web HTTP 503.',
    });
    expect(ipEntityResult(result('unknown'))).toMatchObject({ status: 'unavailable', reason: 'no-data', transient: false });
  });
});
