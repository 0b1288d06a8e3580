import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createIpIntel, IpIntelConfigError, type IpIntelService } from './index.ts';
import { LruCache } from './lru.ts';
import { mergeIntel } from './merge.ts';
import { fixture, hasMaxmindFixtures } from '../../test/helpers/maxmind-fixtures.ts';

describe('createIpIntel with the default data', () => {
  let svc: IpIntelService;
  beforeAll(() => {
    svc = createIpIntel();
  });
  afterAll(() => svc.close());

  it('looks up public addresses with ip-location-db when nothing is configured', async () => {
    const r = await svc.lookup('[2001:4860:4860::8888]:443');
    expect(r.classification).toMatchObject({ kind: 'public', ip: '2001:4860:4860::8888', version: 6 });
    expect(r.intel.network?.asNumber).toBe(15169);
    expect(r.sources).toMatchObject({ network: ['ip-location-db'] });
    expect(r.providers).toEqual([{ provider: 'ip-location-db', status: 'ok' }]);
    expect(r.cached).toBe(false);
    const again = await svc.lookup('2001:4860:4860:0::8888');
    expect(again).toMatchObject({ cached: true, input: '2001:4860:4860:0::8888', intel: r.intel });
  });

  it('labels special addresses without asking anyone', async () => {
    expect(await svc.lookup('::ffff:192.168.10.4')).toEqual({
      input: '::ffff:192.168.10.4',
      classification: { kind: 'private', ip: '192.168.10.4', version: 4, label: 'private (RFC 1918)', unwrappedFrom: 'ipv4-mapped' },
      intel: {},
      sources: {},
      providers: [],
      cached: false,
    });
    expect((await svc.lookup('not an ip')).classification).toEqual({ kind: 'invalid', reason: 'not an IP address' });
    expect((await svc.lookup(undefined)).classification).toEqual({ kind: 'invalid', reason: 'no address given' });
  });
});

describe.skipIf(!hasMaxmindFixtures)('createIpIntel composing providers', () => {
  it('merges by precedence and says who gave what', async () => {
    const svc = createIpIntel({
      providers: [
        {
          provider: 'maxmind',
          databases: { city: fixture('GeoIP2-City-Test.mmdb'), anonymousIp: fixture('GeoIP2-Anonymous-IP-Test.mmdb') },
          pollIntervalSeconds: 0,
        },
        { provider: 'ip-location-db', ipv6: false },
      ],
    });
    const r = await svc.lookup('81.2.69.160');
    // MaxMind's London wins the place; ip-location-db's own place (another town) is not mixed in.
    expect(r.intel.location).toMatchObject({ countryCode: 'GB', city: 'London', accuracyRadiusKm: 100 });
    expect(r.intel.location?.postalCode).toBeUndefined();
    expect(r.intel.network?.asNumber).toEqual(expect.any(Number)); // only ip-location-db knows it
    expect(r.intel.anonymizer?.proxyTypes).toContain('tor-exit');
    expect(r.sources).toEqual({ location: ['maxmind'], network: ['ip-location-db'], anonymizer: ['maxmind'] });
    await svc.close();
  });

  it('a broken database or a throwing provider never fails the lookup', async () => {
    const log = vi.fn();
    const svc = createIpIntel(
      {
        providers: [
          { provider: 'maxmind', databases: { city: fixture('GeoIP2-City-Test-Broken-Double-Format.mmdb') }, pollIntervalSeconds: 0 },
          { provider: 'geoip2-web', baseUrl: 'http://127.0.0.1:9', accountId: '1', licenseKey: 'k' },
          { provider: 'ip-location-db', ipv6: false },
        ],
      },
      { log, fetch: () => Promise.reject(new Error('socket hang up')) },
    );
    const r = await svc.lookup('8.8.8.8');
    expect(r.intel.network?.asNumber).toBe(15169);
    expect(r.providers).toEqual([
      {
        provider: 'maxmind',
        status: 'unavailable',
        reason: expect.stringMatching(/city database unavailable: .*Broken-Double-Format\.mmdb: corrupt GeoIP2-City database/),
      },
      { provider: 'geoip2-web', status: 'unavailable', reason: 'request failed: socket hang up' },
      { provider: 'ip-location-db', status: 'ok' },
    ]);
    // Not cached while a provider is down: the next lookup asks again.
    expect((await svc.lookup('8.8.8.8')).cached).toBe(false);
    expect(svc.health().maxmind?.status).toBe('unavailable');
    expect(log).toHaveBeenCalledWith('warn', expect.stringMatching(/Broken-Double-Format/));
    await svc.close();
  });
});

describe('settings', () => {
  it.each([
    [{ providers: [{ provider: 'ipinfo' }] }, /providers\.0\.provider: expected one of maxmind, ip-location-db, geoip2-web/],
    [{ providers: [{ provider: 'geoip2-web', accountId: 'x', licenseKey: 'k' }] }, /providers\.0\.accountId: expected the numeric MaxMind account ID/],
    [{ providers: [{ provider: 'ip-location-db' }, { provider: 'ip-location-db' }] }, /ip-location-db is listed twice/],
    [{ cache: { maxEntries: -1 } }, /cache\.maxEntries/],
  ])('bad settings fail at construction with the field named: %j', (settings, message) => {
    expect(() => createIpIntel(settings as never)).toThrow(IpIntelConfigError);
    expect(() => createIpIntel(settings as never)).toThrow(message);
  });
});

describe('LruCache', () => {
  it('evicts the least recently used and expires entries', () => {
    let t = 0;
    const c = new LruCache<string, number>(2, () => t);
    c.set('a', 1, 1000);
    c.set('b', 2, 1000);
    c.get('a');
    c.set('c', 3, 1000);
    expect([c.get('a'), c.get('b'), c.get('c')]).toEqual([1, undefined, 3]);
    t = 1000;
    expect(c.get('a')).toBeUndefined();
  });
});

describe('mergeIntel', () => {
  it('combines anonymiser flags from every source', () => {
    const { intel, sources } = mergeIntel([
      { source: 'a', intel: { anonymizer: { isAnonymous: true, proxyTypes: ['vpn'], providerName: 'NordVPN' } } },
      { source: 'b', intel: { anonymizer: { isAnonymous: true, proxyTypes: ['tor-exit'], riskScore: 90 } } },
    ]);
    expect(intel.anonymizer).toEqual({ isAnonymous: true, proxyTypes: ['tor-exit', 'vpn'], providerName: 'NordVPN', riskScore: 90 });
    expect(sources.anonymizer).toEqual(['a', 'b']);
  });

  it('takes a place only from a source that agrees on the country', () => {
    const { intel } = mergeIntel([
      { source: 'a', intel: { location: { countryCode: 'GB' } } },
      { source: 'b', intel: { location: { countryCode: 'FR', city: 'Paris' } } },
    ]);
    expect(intel.location).toEqual({ countryCode: 'GB' });
  });
});
