import { describe, expect, test } from 'vitest';
import { currentTotp, looksLikeRecoveryCode, matchTotp, newRecoveryCodes, newTotpSecret, normaliseRecoveryCode, totpStep, totpUri } from './totp.ts';

// RFC 6238 appendix B: the SHA-1 seed "12345678901234567890", 8-digit codes truncated to 6.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('TOTP', () => {
  test.each([
    [59_000, '287082'],
    [1_111_111_109_000, '081804'],
    [1_234_567_890_000, '005924'],
    [2_000_000_000_000, '279037'],
  ])('at %i ms the code is %s (RFC 6238 test vectors)', (now, code) => {
    expect(currentTotp(RFC_SECRET, now)).toBe(code);
    expect(matchTotp(RFC_SECRET, code, now)).toBe(totpStep(now));
  });

  test('accepts one step either side of now, reporting which step, and nothing further', () => {
    const now = 1_700_000_000_000;
    expect(matchTotp(RFC_SECRET, currentTotp(RFC_SECRET, now - 30_000), now)).toBe(totpStep(now) - 1);
    expect(matchTotp(RFC_SECRET, currentTotp(RFC_SECRET, now + 30_000), now)).toBe(totpStep(now) + 1);
    expect(matchTotp(RFC_SECRET, currentTotp(RFC_SECRET, now - 90_000), now)).toBeNull();
  });

  test.each(['', '12345', '1234567', 'abcdef', '12 34 5x'])('refuses the malformed code %j', (code) => {
    expect(matchTotp(RFC_SECRET, code)).toBeNull();
  });

  test('tolerates spaces typed inside a code', () => {
    const now = 1_700_000_000_000;
    const code = currentTotp(RFC_SECRET, now);
    expect(matchTotp(RFC_SECRET, `${code.slice(0, 3)} ${code.slice(3)}`, now)).toBe(totpStep(now));
  });

  test('a new secret is 160 bits of base32 and its URI is what authenticator apps read', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(totpUri(secret, 'avery@northwind.example'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Tenantwatch:avery@northwind.example');
    expect(Object.fromEntries(uri.searchParams)).toEqual({ issuer: 'Tenantwatch', secret, algorithm: 'SHA1', digits: '6', period: '30' });
  });
});

describe('recovery codes', () => {
  test('ten distinct codes without look-alike characters', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}$/);
  });

  test('are told apart from authenticator codes and normalised as typed', () => {
    expect(looksLikeRecoveryCode('k7m2p-xq9rt')).toBe(true);
    expect(looksLikeRecoveryCode(' K7M2P XQ9RT ')).toBe(true);
    expect(looksLikeRecoveryCode('123456')).toBe(false);
    expect(looksLikeRecoveryCode('1234567890')).toBe(false);
    expect(normaliseRecoveryCode(' K7M2P-XQ9RT ')).toBe('k7m2pxq9rt');
  });
});
