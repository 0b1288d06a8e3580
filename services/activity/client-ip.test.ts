import { describe, expect, test } from 'vitest';
import { parseClientIp } from './client-ip.ts';

describe('parseClientIp', () => {
  test.each([
    ['1.2.3.4', '1.2.3.4'],
    ['1.2.3.4:51000', '1.2.3.4'],
    ['[1.2.3.4]', '1.2.3.4'],
    ['[1.2.3.4]:12345', '1.2.3.4'],
    ['154.66.247.79:14204', '154.66.247.79'],
    ['2001:db8::abcd', '2001:db8::abcd'],
    ['[2001:db8::abcd]', '2001:db8::abcd'],
    ['[2a09:bac5:114:105::1a:9b]:54809', '2a09:bac5:114:105::1a:9b'],
    ['2a09:bac1:820:8::1a:9c', '2a09:bac1:820:8::1a:9c'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['::ffff:10.11.12.13', '10.11.12.13'],
    ['[::ffff:10.11.12.13]:12345', '10.11.12.13'],
    ['::ffff:a0b:c0d', '10.11.12.13'],
    ['  203.0.113.9 ', '203.0.113.9'],
    ['fe80::1%eth0', 'fe80::1'],
  ])('%j → %j', (input, expected) => {
    expect(parseClientIp(input)).toBe(expected);
  });

  test.each([
    [''],
    [null],
    [undefined],
    [42],
    ['localhost:12345'],
    ['localhost'],
    ['999.1.1.1'],
    ['1.2.3'],
    ['10.1'],
    ['not an ip'],
    ['[1.2.3.4'],
    ['1.2.3.4:99999999'],
    ['<script>'],
  ])('%j → null', (input) => {
    expect(parseClientIp(input)).toBeNull();
  });
});
