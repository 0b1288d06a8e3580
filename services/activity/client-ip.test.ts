import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { afterAll, describe, expect, test } from 'vitest';
import { fuzzTally } from '../../test/helpers/fuzz.ts';
import { parseClientIp } from './client-ip.ts';

const tally = fuzzTally('client-ip');
afterAll(() => tally.save());

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

describe('parseClientIp on any input', () => {
  test('never throws; what it returns is an address it gives back unchanged', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 60 }),
          fc.string({ unit: fc.constantFrom(...'0123456789abcdef:.[]%'), maxLength: 50 }),
          fc.jsonValue({ maxDepth: 1 }),
        ),
        (value) => {
          const parsed = parseClientIp(value);
          if (parsed === null) return;
          expect(ipaddr.isValid(parsed)).toBe(true);
          expect(parseClientIp(parsed)).toBe(parsed);
        },
      ),
      { numRuns: tally.runs(800) },
    );
  });

  test('every address, with a port or brackets as the audit log writes them, comes back as itself in canonical form', () => {
    const address = fc.oneof(fc.ipV4(), fc.ipV6());
    fc.assert(
      fc.property(address, fc.integer({ min: 0, max: 65_535 }), fc.constantFrom('plain', 'port', 'brackets', 'brackets-port', 'spaces'), (ip, port, form) => {
        const v6 = ip.includes(':');
        const text =
          form === 'plain'
            ? ip
            : form === 'port'
              ? v6
                ? `[${ip}]:${port}`
                : `${ip}:${port}`
              : form === 'brackets'
                ? `[${ip}]`
                : form === 'brackets-port'
                  ? `[${ip}]:${port}`
                  : ` ${ip} `;
        const addr = ipaddr.parse(ip);
        const expected =
          addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address().toString() : addr.toString();
        // fc.ipV4 makes dotted quads only; leading zeros are read as decimal by ipaddr.js.
        expect(parseClientIp(text)).toBe(expected);
      }),
      { numRuns: tally.runs(3_000) },
    );
  });

  test('long input is read in linear time (n against 2n characters)', () => {
    const timeOf = (text: string) => {
      let best = Infinity;
      for (let i = 0; i < 5; i++) {
        // CPU time, not wall time: another process taking the CPU does not count against us.
        const start = process.cpuUsage();
        for (let j = 0; j < 20; j++) parseClientIp(text);
        const used = process.cpuUsage(start);
        best = Math.min(best, (used.user + used.system) / 1000);
      }
      return best;
    };
    for (const unit of ['[', '1.', ':', '[1:', '%']) {
      const n = 50_000;
      const small = timeOf(unit.repeat(n / unit.length));
      const large = timeOf(unit.repeat((2 * n) / unit.length));
      tally.add('scalingChecks');
      // Linear doubles; quadratic quadruples. The floor keeps timer noise on tiny figures out.
      expect(large, `${unit}: ${small.toFixed(2)} ms for n, ${large.toFixed(2)} ms for 2n`).toBeLessThan(Math.max(3 * small, 5));
    }
  });
});
