import { resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { AsnTable } from './asn-table.ts';
import { ipv4ToUint32 } from './classify.ts';
import { createIpLocationDbProvider, type IpLocationDbProvider } from './providers/ip-location-db.ts';
import type { PartialIpIntel } from './types.ts';

const small = (name: string) => resolve(import.meta.dirname, '../../test/fixtures/ip', name);

describe('AsnTable', () => {
  it('parses quoted names, resolves overlaps, bisects IPv4', () => {
    const t = AsnTable.fromCsv(small('asn-ipv4-num.csv'), 4);
    expect(t.size).toBe(5);
    expect(t.overlapsClipped).toBe(1);
    expect(t.lookupV4(ipv4ToUint32('1.0.0.1')!)).toEqual({ asNumber: 13335, asOrganization: 'Cloudflare, Inc.' });
    expect(t.lookupV4(ipv4ToUint32('1.0.8.1')!)).toEqual({ asNumber: 64500, asOrganization: 'Quoted "Name" Ltd' });
    expect(t.lookupV4(ipv4ToUint32('1.0.1.0')!)).toBeUndefined(); // gap between ranges
    expect(t.lookupV4(ipv4ToUint32('0.255.255.255')!)).toBeUndefined(); // before the first
    // 16781500..16781567 belonged to both rows: the later, more specific row wins.
    expect(t.lookupV4(16781499)).toMatchObject({ asNumber: 2519 });
    expect(t.lookupV4(16781500)).toMatchObject({ asNumber: 64501 });
    expect(t.lookupV4(16781600)).toMatchObject({ asNumber: 64501 });
    expect(t.lookupV4(16781601)).toBeUndefined();
  });

  test.each([
    ['2001::1', 6939],
    ['2001:0:ffff:ffff:ffff:ffff:ffff:ffff', 6939],
    ['2001:4860:4860::8888', 15169],
    ['2a00:1450:4001:81c::200e', 15169],
    ['2a00:1450:5000::', undefined],
    ['2000::1', undefined],
  ])('IPv6 %s → AS%s', (ip, asn) => {
    const t = AsnTable.fromCsv(small('asn-ipv6.csv'), 6);
    expect(t.lookupV6(ipaddr.IPv6.parse(ip).parts)?.asNumber).toBe(asn);
  });
});

describe('ip-location-db provider on the real npm data', () => {
  let p: IpLocationDbProvider;
  beforeAll(() => {
    p = createIpLocationDbProvider({ provider: 'ip-location-db' });
  });
  afterAll(() => p.close());

  const intel = (ip: string): PartialIpIntel => {
    const a = p.lookup(ip, ip.includes(':') ? 6 : 4);
    expect(a.status, JSON.stringify(a)).toBe('ok');
    return a.status === 'ok' ? a.intel : {};
  };

  // Country and AS number of these change rarely; names and coordinates are not asserted.
  test.each([
    ['8.8.8.8', 'US', 15169, /google/i],
    ['1.1.1.1', undefined, 13335, /cloudflare/i],
    ['129.132.1.1', 'CH', 559, /switch/i], // ETH Zürich, on the Swiss research network
    ['193.0.6.139', 'NL', 3333, /ripe/i], // RIPE NCC, Amsterdam
    ['2001:4860:4860::8888', 'US', 15169, /google/i],
    ['2606:4700:4700::1111', undefined, 13335, /cloudflare/i],
  ])('%s → %s, AS%i', (ip, country, asn, org) => {
    const i = intel(ip);
    if (country) {
      expect(i.location?.countryCode).toBe(country);
      expect(i.location?.countryName).toEqual(expect.any(String));
    }
    expect(i.network?.asNumber).toBe(asn);
    expect(i.network?.asOrganization).toMatch(org);
  });

  it('has a Swiss city for ETH Zürich and no accuracy radius (the data has none)', () => {
    const loc = intel('129.132.1.1').location;
    expect(loc).toMatchObject({ countryCode: 'CH', countryName: 'Switzerland', city: expect.any(String), latitude: expect.any(Number) });
    expect(loc?.accuracyRadiusKm).toBeUndefined();
  });

  it('reports load figures and health', () => {
    expect(p.stats.asnRanges.ipv4).toBeGreaterThan(100_000);
    expect(p.stats.asnRanges.ipv6).toBeGreaterThan(10_000);
    expect(p.health().status).toBe('ok');
  });

  it('missing files make only their part unavailable', () => {
    const q = createIpLocationDbProvider({
      provider: 'ip-location-db',
      cityIpv4Path: '/nonexistent.mmdb',
      ipv6: false,
      asnIpv4Path: small('asn-ipv4-num.csv'),
    });
    expect(q.lookup('1.0.0.1', 4)).toMatchObject({
      status: 'ok',
      intel: { network: { asNumber: 13335 } },
      notes: [expect.stringMatching(/cityIpv4: \/nonexistent\.mmdb: file not found/)],
    });
    expect(q.health().status).toBe('degraded');
  });
});
