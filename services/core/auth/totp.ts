import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

/**
 * Time-based one-time passwords (RFC 6238) as every authenticator app reads them: SHA-1,
 * 6 digits, 30-second steps, from an `otpauth://totp/...` URI or its QR code.
 */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of now, for clocks a little off (±30 s). */
const WINDOW = 1;

export const RECOVERY_CODE_COUNT = 10;

const ISSUER = 'Tenantwatch';

/** A new random shared secret, base32 (160 bits, the size RFC 4226 recommends). */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpFor(secretBase32: string, label = '') {
  return new TOTP({ issuer: ISSUER, label, secret: Secret.fromBase32(secretBase32), algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS });
}

/**
 * The provisioning URI an authenticator app reads from the QR code.
 * @example totpUri('JBSWY3DPEHPK3PXP', 'avery@northwind.example')
 *   // 'otpauth://totp/Tenantwatch:avery%40northwind.example?issuer=Tenantwatch&secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30'
 */
export function totpUri(secretBase32: string, account: string): string {
  return totpFor(secretBase32, account).toString();
}

/** The time step a timestamp falls in. */
export const totpStep = (nowMs: number) => Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);

/**
 * The time step `code` is valid for, or null when it is not a current code. Callers keep the
 * step of the last accepted code and refuse any step at or before it, so a code seen once
 * (over a shoulder, in a proxy log) cannot be used again.
 */
export function matchTotp(secretBase32: string, code: string, nowMs = Date.now()): number | null {
  const token = code.replace(/\s+/g, '');
  if (!new RegExp(`^\\d{${TOTP_DIGITS}}$`).test(token)) return null;
  const delta = totpFor(secretBase32).validate({ token, timestamp: nowMs, window: WINDOW });
  return delta === null ? null : totpStep(nowMs) + delta;
}

/** The current code for a secret: for tests and the CLI, never sent to a browser. */
export function currentTotp(secretBase32: string, nowMs = Date.now()): string {
  return totpFor(secretBase32).generate({ timestamp: nowMs });
}

// No 0/o, 1/l/i: codes are read off paper and typed by hand.
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten random recovery codes like `k7m2p-xq9rt` (50 bits each). */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const bytes = randomBytes(10);
    const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** The form a recovery code is hashed in: case, spaces and dashes as typed do not matter. */
export function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** True when what was typed looks like a recovery code rather than an authenticator code. */
export function looksLikeRecoveryCode(code: string): boolean {
  return normaliseRecoveryCode(code).length === 10 && !/^\d+$/.test(code.trim());
}
