import { describe, expect, test } from 'vitest';
import { AllowListError, checkAddress, parseAllowList } from './address-policy.ts';

describe('checkAddress', () => {
  test.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private network'],
    ['10.255.255.255', 'private network'],
    ['172.16.0.1', 'private network'],
    ['172.31.255.254', 'private network'],
    ['192.168.1.1', 'private network'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['100.100.100.200', 'cloud metadata'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.1.2.3', 'private network'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['64:ff9b::a00:1', 'leads to 10.0.0.1'],
    ['2002:c0a8:101::1', 'leads to 192.168.1.1'],
    ['::7f00:1', 'IPv4-compatible'],
    ['240.0.0.1', 'reserved'],
    ['not-an-ip', 'not an IP address'],
  ])('refuses %s (%s)', (address, words) => {
    const verdict = checkAddress(address);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toContain(words);
  });

  test.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '64:ff9b::808:808', '::ffff:8.8.8.8'])(
    'allows the public address %s',
    (address) => {
      expect(checkAddress(address)).toEqual({ ok: true });
    },
  );

  test('an admin-allowed range opens private addresses inside it only', () => {
    const allow = parseAllowList(['10.20.0.0/16', '127.0.0.1', '::1/128']);
    expect(checkAddress('10.20.3.4', allow)).toEqual({ ok: true });
    expect(checkAddress('::ffff:10.20.3.4', allow)).toEqual({ ok: true });
    expect(checkAddress('127.0.0.1', allow)).toEqual({ ok: true });
    expect(checkAddress('::1', allow)).toEqual({ ok: true });
    expect(checkAddress('10.21.0.1', allow).ok).toBe(false);
    expect(checkAddress('127.0.0.2', allow).ok).toBe(false);
  });

  test('metadata addresses stay refused inside a wider allowed range unless named exactly', () => {
    expect(checkAddress('169.254.169.254', parseAllowList(['169.254.0.0/16'])).ok).toBe(false);
    expect(checkAddress('169.254.10.1', parseAllowList(['169.254.0.0/16']))).toEqual({ ok: true });
    expect(checkAddress('100.100.100.200', parseAllowList(['100.64.0.0/10'])).ok).toBe(false);
    expect(checkAddress('169.254.169.254', parseAllowList(['169.254.169.254']))).toEqual({ ok: true });
  });

  test('a bad allow-list entry names itself', () => {
    expect(() => parseAllowList(['10.0.0.0/8', '10.0.0/33'])).toThrow(AllowListError);
    expect(() => parseAllowList(['nope'])).toThrow("'nope' is not an IP address or CIDR range");
  });
});
