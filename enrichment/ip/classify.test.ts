import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it, test } from 'vitest';
import { classifyIp, classifyIpInto, formatIpv6Words, ipv4ToUint32, parseIpv6Words } from './classify.ts';

describe('classifyIp', () => {
  test.each([
    // public, in every form the collector sees
    ['8.8.8.8', 'public', '8.8.8.8', 4],
    ['  8.8.4.4  ', 'public', '8.8.4.4', 4],
    ['81.2.69.160:51000', 'public', '81.2.69.160', 4],
    ['[81.2.69.160]:443', 'public', '81.2.69.160', 4],
    ['2001:4860:4860::8888', 'public', '2001:4860:4860::8888', 6],
    ['2001:4860:4860:0:0:0:0:8888', 'public', '2001:4860:4860::8888', 6],
    ['[2a09:bac5::1a:9b]:54809', 'public', '2a09:bac5::1a:9b', 6],
    ['2A09:BAC5::1A:9B', 'public', '2a09:bac5::1a:9b', 6],
    ['::ffff:81.2.69.160', 'public', '81.2.69.160', 4],
    ['[::ffff:8.8.8.8]:12345', 'public', '8.8.8.8', 4],
    ['::ffff:808:808', 'public', '8.8.8.8', 4],
    // labelled, not looked up
    ['10.1.2.3', 'private', '10.1.2.3', 4],
    ['172.16.0.1', 'private', '172.16.0.1', 4],
    ['172.31.255.255', 'private', '172.31.255.255', 4],
    ['192.168.1.10:3389', 'private', '192.168.1.10', 4],
    ['::ffff:10.11.12.13', 'private', '10.11.12.13', 4],
    ['[::ffff:192.168.0.1]:443', 'private', '192.168.0.1', 4],
    ['fd12:3456:789a::1', 'private', 'fd12:3456:789a::1', 6],
    ['127.0.0.1', 'loopback', '127.0.0.1', 4],
    ['::1', 'loopback', '::1', 6],
    ['[::1]:8080', 'loopback', '::1', 6],
    ['169.254.169.254', 'link-local', '169.254.169.254', 4],
    ['fe80::1%eth0', 'link-local', 'fe80::1', 6],
    ['100.64.0.1', 'cgnat', '100.64.0.1', 4],
    ['100.127.255.254', 'cgnat', '100.127.255.254', 4],
    ['192.0.2.55', 'documentation', '192.0.2.55', 4],
    ['198.51.100.7:80', 'documentation', '198.51.100.7', 4],
    ['203.0.113.200', 'documentation', '203.0.113.200', 4],
    ['2001:db8::abcd', 'documentation', '2001:db8::abcd', 6],
    ['224.0.0.251', 'multicast', '224.0.0.251', 4],
    ['ff02::1', 'multicast', 'ff02::1', 6],
    ['0.0.0.0', 'unspecified', '0.0.0.0', 4],
    ['::', 'unspecified', '::', 6],
    ['255.255.255.255', 'reserved', '255.255.255.255', 4],
    ['240.1.2.3', 'reserved', '240.1.2.3', 4],
    ['198.18.0.1', 'reserved', '198.18.0.1', 4],
    ['100::1', 'reserved', '100::1', 6],
  ] as const)('%s → %s', (input, kind, ip, version) => {
    const c = classifyIp(input);
    expect(c).toMatchObject({ kind, ip, version });
    if (kind !== 'public') expect(c).toHaveProperty('label', expect.any(String));
  });

  test.each(['100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '192.0.3.1', '11.0.0.1', '2606:4700:4700::1111'])(
    '%s just outside a special range is public',
    (ip) => {
      expect(classifyIp(ip).kind).toBe('public');
    },
  );

  it('says when an address was unwrapped from IPv4-mapped IPv6', () => {
    expect(classifyIp('::ffff:8.8.8.8')).toEqual({ kind: 'public', ip: '8.8.8.8', version: 4, unwrappedFrom: 'ipv4-mapped' });
    expect(classifyIp('[8.8.8.8]:443')).toEqual({ kind: 'public', ip: '8.8.8.8', version: 4 });
  });

  test.each([
    ['not-an-ip', 'not an IP address'],
    ['localhost:12345', 'not an IP address'],
    ['256.1.1.1', 'not an IP address'],
    ['1.2.3', 'not an IP address'],
    ['10.1', 'not an IP address'],
    ['1.2.3.4.5', 'not an IP address'],
    ['2001:db8:::1', 'not an IP address'],
    ['<script>alert(1)</script>', 'not an IP address'],
    ['', 'no address given'],
    ['   ', 'no address given'],
  ])('%j is invalid (%s)', (input, reason) => {
    expect(classifyIp(input)).toEqual({ kind: 'invalid', reason });
  });

  test.each([null, undefined, 42, {}, ['1.1.1.1']])('non-string %j is invalid, never a throw', (input) => {
    expect(classifyIp(input).kind).toBe('invalid');
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(fc.property(fc.string(), (s) => typeof classifyIp(s).kind === 'string'));
  });

  it('agrees with ipaddr.js on every dotted quad', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const c = classifyIp(ip);
        return c.kind !== 'invalid' && c.ip === ip && ipv4ToUint32(ip) === ip.split('.').reduce((n, p) => n * 256 + Number(p), 0);
      }),
    );
  });
});

describe('classifyIp fast path for canonical dotted quads', () => {
  test.each(['01.2.3.4', '1.02.3.4', '1.2.3.00', '001.1.1.1'])('%s (leading zeros) is still refused', (ip) => {
    expect(classifyIp(ip).kind).toBe('invalid');
  });
  test.each(['0.1.2.3', '10.0.0.0', '100.64.0.0', '1.0.0.0', '9.9.9.9'])('%s matches the general parser', (ip) => {
    expect(classifyIp(ip)).toEqual(classifyIp(` ${ip} `));
  });
});

describe('classifyIp fast path for bare IPv6', () => {
  // Addresses biased towards the special ranges' prefixes, so their edges get exercised.
  const prefixes = ['0000', '0064', '0100', '2000', '2001', '2002', '2a02', '3fff', 'fc00', 'fd12', 'fe80', 'fec0', 'ff02'];
  const group = fc.integer({ min: 0, max: 0xffff });
  const zeroish = fc.oneof(group, fc.constant(0), fc.constant(0xffff));
  const v6 = fc.tuple(fc.constantFrom(...prefixes), fc.array(zeroish, { minLength: 7, maxLength: 7 })).map(([p, rest]) => [parseInt(p, 16), ...rest]);

  it('gives the same answer as the general parser (canonical text, range, label)', () => {
    fc.assert(
      fc.property(v6, fc.boolean(), (groups, upper) => {
        const long = groups.map((g) => g.toString(16)).join(':');
        const text = upper ? long.toUpperCase() : long;
        const canonical = ipaddr.IPv6.parse(long).toString();
        const fast = classifyIp(text);
        // Brackets and a port send it through the general parser.
        expect(fast).toEqual(classifyIp(`[${text}]:443`));
        expect(classifyIp(canonical)).toEqual(fast);
        if (fast.kind !== 'invalid' && fast.version === 6) expect(fast.ip).toBe(canonical);
      }),
    );
  });

  it('classifies both edges of the IPv6 special ranges', () => {
    const cases: [string, string][] = [
      ['2001:db7:ffff::1', 'public'],
      ['2001:db8:ffff::1', 'documentation'],
      ['2001:db9::1', 'public'],
      ['2001:2:0:ffff::1', 'reserved'],
      ['2001:2:1::1', 'public'],
      ['2001:f::1', 'public'],
      ['2001:1f::1', 'reserved'],
      ['2001:20::1', 'reserved'],
      ['2001:2f:ffff::1', 'reserved'],
      ['2001:30::1', 'public'],
      ['3fff:fff::1', 'documentation'],
      ['3fff:1000::1', 'public'],
      ['64:ff9b:1::1', 'reserved'],
      ['64:ff9b::1', 'reserved'],
      ['100::ffff:ffff:ffff:ffff', 'reserved'],
      ['febf::1', 'link-local'],
      ['fec0::1', 'private'],
      ['4000::1', 'reserved'],
      ['1fff:ffff::1', 'reserved'],
    ];
    for (const [ip, kind] of cases) expect(classifyIp(ip).kind, ip).toBe(kind);
  });

  test.each([
    ['::ffff:808:808', { kind: 'public', ip: '8.8.8.8', version: 4, unwrappedFrom: 'ipv4-mapped' }],
    ['::FFFF:C0A8:0101', { kind: 'private', ip: '192.168.1.1', version: 4, label: 'private (RFC 1918)', unwrappedFrom: 'ipv4-mapped' }],
  ])('unwraps IPv4-mapped %s written in hex', (input, expected) => {
    expect(classifyIp(input)).toEqual(expected);
  });

  test.each(['1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1::', '1:', '12345::', 'g::1', '::1:', ':::'])('%s is not an address', (input) => {
    expect(classifyIp(input).kind).toBe('invalid');
  });

  it('leaves the address in words for lookups', () => {
    const w = new Uint32Array(4);
    expect(classifyIpInto('81.2.69.160', w).kind).toBe('public');
    expect(w[0]).toBe(ipv4ToUint32('81.2.69.160'));
    expect(classifyIpInto(' [2A02:C7C:1234::1]:443 ', w)).toMatchObject({ kind: 'public', ip: '2a02:c7c:1234::1' });
    expect([...w]).toEqual([0x2a020c7c, 0x12340000, 0, 1]);
    expect(classifyIpInto('::ffff:81.2.69.160', w).kind).toBe('public');
    expect(w[0]).toBe(ipv4ToUint32('81.2.69.160'));
  });

  it('formats and parses as inverses, as RFC 5952 says', () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const w = new Uint32Array(4);
        const parsed = ipaddr.IPv6.parse(ip);
        if (parsed.isIPv4MappedAddress() || ip.includes('.')) return;
        expect(parseIpv6Words(parsed.toNormalizedString(), w)).toBe(true);
        expect(formatIpv6Words(w)).toBe(parsed.toString());
      }),
    );
  });
});
