import { copyFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reader, type CountryResponse } from 'maxmind';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, test, vi } from 'vitest';
import { MmdbLoadError, openMmdbFile } from './mmdb-file.ts';
import { createMaxmindProvider, type MaxmindProvider, type MaxmindSettings } from './providers/maxmind.ts';
import { fixture, hasMaxmindFixtures, MAXMIND_FIXTURES, sourceEntries } from '../../test/helpers/maxmind-fixtures.ts';
import type { PartialIpIntel, ProviderAnswer } from './types.ts';

if (!hasMaxmindFixtures) console.warn(`Skipping MaxMind database tests: ${MAXMIND_FIXTURES} not found (MaxMind test data is outside this repository).`);

type Names = { en?: string };
type GeoSource = {
  country?: { iso_code?: string; names?: Names };
  city?: { names?: Names };
  location?: { latitude?: number; longitude?: number; accuracy_radius?: number };
  subdivisions?: { iso_code?: string }[];
  traits?: Record<string, unknown>;
};

const open = (databases: MaxmindSettings['databases']): MaxmindProvider => createMaxmindProvider({ provider: 'maxmind', databases, pollIntervalSeconds: 0 });
const intelOf = (a: ProviderAnswer): PartialIpIntel => {
  expect(a.status, JSON.stringify(a)).toBe('ok');
  return a.status === 'ok' ? a.intel : {};
};

describe.skipIf(!hasMaxmindFixtures)('maxmind provider on MaxMind test databases', () => {
  let p: MaxmindProvider;
  beforeAll(() => {
    p = open({
      city: fixture('GeoIP2-City-Test.mmdb'),
    });
  });
  afterAll(() => p.close());

  it('City: every network of GeoIP2-City-Test.source.json, IPv4 and IPv6', () => {
    const entries = sourceEntries<GeoSource>('GeoIP2-City-Test.source.json');
    expect(entries.filter((e) => e.version === 4).length).toBeGreaterThan(5);
    expect(entries.filter((e) => e.version === 6).length).toBeGreaterThan(5);
    for (const { ip, version, record: r } of entries) {
      const loc = intelOf(p.lookup(ip, version)).location;
      expect(loc?.countryCode, ip).toBe(r.country?.iso_code);
      expect(loc?.countryName, ip).toBe(r.country?.names?.en);
      expect(loc?.city, ip).toBe(r.city?.names?.en);
      expect(loc?.regionCode, ip).toBe(r.subdivisions?.[0]?.iso_code);
      expect(loc?.latitude, ip).toBe(r.location?.latitude);
      expect(loc?.longitude, ip).toBe(r.location?.longitude);
      expect(loc?.accuracyRadiusKm, ip).toBe(r.location?.accuracy_radius);
    }
    // The README's own example.
    expect(intelOf(p.lookup('81.2.69.160', 4)).location).toMatchObject({ city: 'London', countryCode: 'GB' });
  });

  it('Country: country only, as the database gives it (no source.json ships for it; the bare reader is the oracle)', () => {
    for (const file of ['GeoIP2-Country-Test.mmdb', 'GeoLite2-Country-Test.mmdb']) {
      const raw = new Reader<CountryResponse>(readFileSync(fixture(file)));
      const c = open({ country: fixture(file) });
      let checked = 0;
      for (const { ip, version } of sourceEntries<GeoSource>('GeoIP2-City-Test.source.json').filter((_, i) => i % 5 === 0)) {
        const rec = raw.get(ip);
        if (!rec?.country) continue;
        const loc = intelOf(c.lookup(ip, version)).location;
        expect(loc?.countryCode, `${file} ${ip}`).toBe(rec.country.iso_code);
        expect(loc?.city).toBeUndefined();
        checked++;
      }
      expect(checked, file).toBeGreaterThan(10);
      expect(intelOf(c.lookup('81.2.69.160', 4)).location?.countryCode).toBe('GB');
      c.close();
    }
  });

  it('ASN: every network of GeoLite2-ASN-Test.source.json', () => {
    const asn = open({ asn: fixture('GeoLite2-ASN-Test.mmdb') });
    const entries = sourceEntries<{ autonomous_system_number?: number; autonomous_system_organization?: string }>('GeoLite2-ASN-Test.source.json');
    expect(entries.some((e) => e.version === 6)).toBe(true);
    for (const { ip, version, record } of entries) {
      expect(intelOf(asn.lookup(ip, version)).network, ip).toEqual({
        asNumber: record.autonomous_system_number,
        ...(record.autonomous_system_organization ? { asOrganization: record.autonomous_system_organization } : {}),
      });
    }
    asn.close();
  });

  it('ISP: isp, organisation and AS from GeoIP2-ISP-Test.source.json', () => {
    const isp = open({ isp: fixture('GeoIP2-ISP-Test.mmdb') });
    const entries = sourceEntries<Record<string, string | number | undefined>>('GeoIP2-ISP-Test.source.json');
    for (const { ip, version, record } of entries.filter((_, i) => i % 7 === 0)) {
      const n = intelOf(isp.lookup(ip, version)).network;
      expect(n?.isp, ip).toBe(record.isp);
      expect(n?.organization, ip).toBe(record.organization);
      expect(n?.asNumber, ip).toBe(record.autonomous_system_number);
      expect(n?.asOrganization, ip).toBe(record.autonomous_system_organization);
    }
    isp.close();
  });

  it('Connection Type: mapped to a usage type', () => {
    const ct = open({ connectionType: fixture('GeoIP2-Connection-Type-Test.mmdb') });
    const expected: Record<string, string> = {
      'Cable/DSL': 'residential',
      Cellular: 'mobile',
      Corporate: 'business',
      Satellite: 'satellite',
      Dialup: 'dialup',
    };
    const entries = sourceEntries<{ connection_type: string }>('GeoIP2-Connection-Type-Test.source.json');
    expect(new Set(entries.map((e) => e.record.connection_type)).size).toBeGreaterThan(2);
    for (const { ip, version, record } of entries) {
      const i = intelOf(ct.lookup(ip, version));
      expect(i.usage, ip).toMatchObject({ type: expected[record.connection_type], connectionType: record.connection_type });
      expect(i.network?.connectionType).toBe(record.connection_type);
    }
    ct.close();
  });

  const proxyFlags = [
    ['is_tor_exit_node', 'tor-exit'],
    ['is_public_proxy', 'public-proxy'],
    ['is_residential_proxy', 'residential-proxy'],
    ['is_anonymous_vpn', 'vpn'],
    ['is_hosting_provider', 'hosting-provider'],
  ] as const;
  type AnonSource = Partial<Record<(typeof proxyFlags)[number][0] | 'is_anonymous', boolean>> & {
    anonymizer_confidence?: number;
    provider_name?: string;
    network_last_seen?: string;
  };

  test.each([
    ['anonymousIp', 'GeoIP2-Anonymous-IP-Test'],
    ['anonymousPlus', 'GeoIP-Anonymous-Plus-Test'],
  ] as const)('%s: proxy types, provider, confidence from %s.source.json', (slot, name) => {
    const db = open({ [slot]: fixture(`${name}.mmdb`) });
    const entries = sourceEntries<AnonSource>(`${name}.source.json`);
    for (const { ip, version, record } of entries) {
      const a = intelOf(db.lookup(ip, version)).anonymizer;
      expect(a?.isAnonymous, ip).toBe(record.is_anonymous === true);
      expect(a?.proxyTypes, ip).toEqual(proxyFlags.filter(([flag]) => record[flag]).map(([, type]) => type));
      expect(a?.confidence, ip).toBe(record.anonymizer_confidence);
      expect(a?.providerName, ip).toBe(record.provider_name);
      expect(a?.lastSeen, ip).toBe(record.network_last_seen);
    }
    db.close();
  });

  it('Enterprise: location, network and usage type from GeoIP2-Enterprise-Test.source.json', () => {
    const ent = open({ enterprise: fixture('GeoIP2-Enterprise-Test.mmdb') });
    const usage: Record<string, string> = {
      residential: 'residential',
      cellular: 'mobile',
      business: 'business',
      government: 'government',
      military: 'military',
      hosting: 'hosting',
      traveler: 'traveler',
      search_engine_spider: 'search-engine',
      content_delivery_network: 'cdn',
    };
    const entries = sourceEntries<GeoSource>('GeoIP2-Enterprise-Test.source.json');
    let withUsage = 0;
    for (const { ip, version, record: r } of entries) {
      const a = ent.lookup(ip, version);
      if (a.status === 'no-data') continue; // e.g. a network whose record is empty
      const i = intelOf(a);
      // The test database merges its source with other test data, so compare what the source states.
      if (r.country?.iso_code) expect(i.location?.countryCode, ip).toBe(r.country.iso_code);
      if (r.city?.names?.en) expect(i.location?.city, ip).toBe(r.city.names.en);
      const t = r.traits ?? {};
      if (t.isp !== undefined) expect(i.network?.isp, ip).toBe(t.isp);
      if (t.autonomous_system_number !== undefined) expect(i.network?.asNumber, ip).toBe(t.autonomous_system_number);
      if (t.static_ip_score !== undefined && t.user_type !== undefined) expect(i.usage?.staticIpScore, ip).toBe(t.static_ip_score);
      if (typeof t.user_type === 'string') {
        expect(i.usage?.type, ip).toBe(usage[t.user_type]);
        expect(i.usage?.userType).toBe(t.user_type);
        withUsage++;
      }
    }
    expect(withUsage).toBeGreaterThan(10);
    ent.close();
  });

  it('IP Risk: risk score as the database gives it (no source.json ships for it; the bare reader is the oracle)', () => {
    const path = fixture('GeoIP2-IP-Risk-Test.mmdb');
    const raw = new Reader<Record<string, unknown>>(readFileSync(path));
    const risk = open({ ipRisk: path });
    const ips = ['6.1.2.1', '7.1.2.2', '11.1.2.3', '21.1.2.4', '55.0.0.1', '55.0.0.4', '214.2.3.0', '214.2.3.5', '2001:480::1'];
    let scored = 0;
    for (const ip of ips) {
      const rec = raw.get(ip);
      const a = risk.lookup(ip, ip.includes(':') ? 6 : 4);
      if (rec === null) {
        expect(a.status).toBe('no-data');
        continue;
      }
      const an = intelOf(a).anonymizer;
      expect(an?.riskScore, ip).toBe(rec.ip_risk);
      expect(an?.providerName, ip).toBe(rec.provider_name);
      if (rec.ip_risk !== undefined) scored++;
    }
    expect(scored).toBeGreaterThan(4);
    risk.close();
  });

  it('Residential Proxy: every entry is a residential proxy with its provider', () => {
    const rp = open({ residentialProxy: fixture('GeoIP-Residential-Proxy-Test.mmdb') });
    const a = intelOf(rp.lookup('1.2.0.4', 4)).anonymizer;
    expect(a).toMatchObject({ isAnonymous: true, proxyTypes: ['residential-proxy'], providerName: 'quickshift', confidence: 82 });
    rp.close();
  });

  it('combines databases by precedence (Enterprise, then City; ISP, then ASN)', () => {
    const all = open({
      city: fixture('GeoIP2-City-Test.mmdb'),
      enterprise: fixture('GeoIP2-Enterprise-Test.mmdb'),
      asn: fixture('GeoLite2-ASN-Test.mmdb'),
      isp: fixture('GeoIP2-ISP-Test.mmdb'),
      anonymousIp: fixture('GeoIP2-Anonymous-IP-Test.mmdb'),
    });
    const i = intelOf(all.lookup('89.160.20.112', 4));
    // Enterprise says Linköping with confidence data; City agrees on the country.
    expect(i.location).toMatchObject({ countryCode: 'SE', city: 'Linköping' });
    expect(i.network).toMatchObject({ isp: 'Bredband2 AB', asNumber: 29518 });
    expect(i.usage?.type).toBe('government');
    expect(intelOf(all.lookup('81.2.69.160', 4)).anonymizer?.proxyTypes).toContain('tor-exit');
    expect(all.health().status).toBe('ok');
    all.close();
  });

  it('does not answer IPv6 from an IPv4-only tree', () => {
    // ip-location-db ships IPv4-only trees; MaxMind's test files are IPv6 trees holding both.
    const mixed = open({ city: fixture('GeoIP2-City-Test.mmdb') });
    expect(mixed.lookup('2001:218::1', 6).status).toBe('ok');
    mixed.close();
  });
});

describe.skipIf(!hasMaxmindFixtures)('broken and mismatched databases', () => {
  test.each([
    [
      'GeoIP2-City-Test-Broken-Double-Format.mmdb',
      /GeoIP2-City-Test-Broken-Double-Format\.mmdb: corrupt GeoIP2-City database: invalid double: 5 bytes instead of 8/,
    ],
    [
      'GeoIP2-City-Test-Invalid-Node-Count.mmdb',
      /GeoIP2-City-Test-Invalid-Node-Count\.mmdb: corrupt GeoIP2-City database: node count 100000 implies a 700000-byte search tree/,
    ],
  ])('%s is rejected at load with the file and the reason', (file, message) => {
    expect(() => openMmdbFile(fixture(file))).toThrow(MmdbLoadError);
    expect(() => openMmdbFile(fixture(file))).toThrow(message);
  });

  it('the other configured databases keep working when two are broken', () => {
    const p = open({
      city: fixture('GeoIP2-City-Test-Broken-Double-Format.mmdb'),
      country: fixture('GeoIP2-City-Test-Invalid-Node-Count.mmdb'),
      asn: fixture('GeoLite2-ASN-Test.mmdb'),
      anonymousIp: fixture('GeoIP2-Anonymous-IP-Test.mmdb'),
    });
    const a = p.lookup('1.128.0.0', 4);
    expect(a).toMatchObject({ status: 'ok', intel: { network: { asNumber: 1221 } } });
    expect(a.status === 'ok' && a.notes?.join('\n')).toMatch(
      /city database unavailable: .*Broken-Double-Format\.mmdb: corrupt GeoIP2-City database: invalid double/,
    );
    expect(a.status === 'ok' && a.notes?.join('\n')).toMatch(/country database unavailable: .*Invalid-Node-Count\.mmdb/);
    expect(p.lookup('81.2.69.160', 4)).toMatchObject({ status: 'ok', intel: { anonymizer: { isAnonymous: true } } });
    expect(p.health().status).toBe('degraded');
    p.close();
  });

  it('refuses a file of the wrong type for its slot, naming both types', () => {
    const p = open({ city: fixture('GeoLite2-ASN-Test.mmdb'), asn: fixture('GeoLite2-ASN-Test.mmdb') });
    expect(p.health().details.join('\n')).toMatch(
      /city database unavailable: .*GeoLite2-ASN-Test\.mmdb: is a GeoLite2-ASN database, expected GeoIP2-City or GeoLite2-City/,
    );
    expect(p.lookup('1.128.0.0', 4)).toMatchObject({ status: 'ok', intel: { network: { asNumber: 1221 } } });
    p.close();
  });

  it('a missing file is reported, not thrown; all databases unusable → unavailable', () => {
    const p = open({ city: '/nonexistent/GeoIP2-City.mmdb' });
    expect(p.lookup('81.2.69.160', 4)).toEqual({ status: 'unavailable', reason: 'city database unavailable: /nonexistent/GeoIP2-City.mmdb: file not found' });
    p.close();
  });

  test.each([
    [{ provider: 'maxmind', databases: {} }, /at least one database path/],
    [{ provider: 'maxmind', databases: { citty: '/x.mmdb' } }, /citty/],
    [{ provider: 'maxmind', databases: { city: '' } }, /expected the path of a \.mmdb file/],
  ])('bad settings fail at construction: %j', (settings, message) => {
    expect(() => createMaxmindProvider(settings as MaxmindSettings)).toThrow(message);
  });
});

describe.skipIf(!hasMaxmindFixtures)('reload when geoipupdate replaces a file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tw-geoip-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // geoipupdate's way: write a temporary file in the same directory, rename it over the old one.
  const replace = (target: string, source: string) => {
    const tmp = join(dir, `.${Date.now()}.tmp`);
    copyFileSync(fixture(source), tmp);
    renameSync(tmp, target);
  };

  it('serves the new file after an atomic rename, keeps the old one when the new one is broken', async () => {
    const target = join(dir, 'GeoIP2-Anonymous-IP.mmdb');
    copyFileSync(fixture('GeoIP2-Anonymous-IP-Test.mmdb'), target);
    const onDataChanged = vi.fn();
    const p = createMaxmindProvider(
      { provider: 'maxmind', databases: { anonymousIp: target, city: join(dir, 'GeoIP2-City.mmdb') }, pollIntervalSeconds: 0 },
      { onDataChanged },
    );
    expect(p.lookup('1.2.0.1', 4).status).toBe('ok');
    expect(await p.checkForUpdates()).toBe(false);

    // The City file appears later (first geoipupdate run): picked up.
    replace(join(dir, 'GeoIP2-City.mmdb'), 'GeoIP2-City-Test.mmdb');
    // Anonymous IP replaced by an Anonymous IP file that no longer lists 1.2.0.1.
    replace(target, 'GeoIP-Residential-Proxy-Test.mmdb');
    expect(await p.checkForUpdates()).toBe(true);
    expect(p.lookup('81.2.69.160', 4)).toMatchObject({ status: 'ok', intel: { location: { city: 'London' } } });
    // The wrong type was refused: the previous Anonymous IP data still serves.
    expect(p.lookup('1.2.0.1', 4)).toMatchObject({ status: 'ok', intel: { anonymizer: { proxyTypes: ['vpn'] } } });
    expect(p.health().details.join('\n')).toMatch(/anonymousIp: serving GeoIP2-Anonymous-IP .*replacement rejected: .*is a GeoIP-Residential-Proxy database/);
    expect(onDataChanged).toHaveBeenCalledTimes(1);

    // A broken download: refused, old data kept.
    replace(join(dir, 'GeoIP2-City.mmdb'), 'GeoIP2-City-Test-Broken-Double-Format.mmdb');
    expect(await p.checkForUpdates()).toBe(false);
    expect(p.lookup('81.2.69.160', 4)).toMatchObject({ status: 'ok', intel: { location: { city: 'London' } } });
    expect(p.health().status).toBe('degraded');

    // A good download: replaces it (GeoLite2 has a different London record: no postal code).
    replace(join(dir, 'GeoIP2-City.mmdb'), 'GeoLite2-City-Test.mmdb');
    expect(await p.checkForUpdates()).toBe(true);
    expect(p.lookup('81.2.69.160', 4)).toMatchObject({ status: 'ok', intel: { location: { city: 'London' } } });
    expect(p.health().details.join('\n')).toMatch(/city: GeoLite2-City built/);
    p.close();
  });

  it('notices the rename through the directory watch, without being asked', async () => {
    const target = join(dir, 'watched-ASN.mmdb');
    copyFileSync(fixture('GeoIP2-City-Test.mmdb'), target); // wrong type at first
    const onDataChanged = vi.fn();
    const p = createMaxmindProvider({ provider: 'maxmind', databases: { asn: target }, pollIntervalSeconds: 3600 }, { onDataChanged });
    expect(p.lookup('1.128.0.0', 4).status).toBe('unavailable');
    replace(target, 'GeoLite2-ASN-Test.mmdb');
    await vi.waitFor(() => expect(onDataChanged).toHaveBeenCalled(), { timeout: 5000, interval: 20 });
    expect(p.lookup('1.128.0.0', 4)).toMatchObject({ status: 'ok', intel: { network: { asNumber: 1221 } } });
    p.close();
  });
});
