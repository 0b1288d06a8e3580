import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { classifyIp, ipv4ToUint32 } from './classify.ts';

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

  test.each(['100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '192.0.3.1', '11.0.0.1', '2606:4700:4700::1111'])('%s just outside a special range is public', (ip) => {
    expect(classifyIp(ip).kind).toBe('public');
  });

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
