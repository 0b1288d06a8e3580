import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type Config, ConfigError, decodeKey } from './config.ts';

/**
 * Secrets at rest (tenant client secrets, PSA keys, webhook secrets) are sealed with
 * AES-256-GCM. The envelope is `v1.<iv>.<tag>.<ciphertext>` (base64url), so a later key
 * rotation can add `v2` without guessing what an old row holds.
 */
export type SecretBox = {
  seal(plaintext: string): string;
  open(envelope: string): string;
  /** HMAC-SHA256 of `label` under a key derived from the secret key, base64url: unforgeable ids. */
  mac(label: string): string;
};

const VERSION = 'v1';

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new ConfigError('TW_SECRET_KEY: expected a 32-byte key');
  // A separate key for MACs, so no value is ever both encrypted and authenticated under one key.
  const macKey = createHmac('sha256', key).update('tenantwatch/mac/v1').digest();
  return {
    mac(label) {
      return createHmac('sha256', macKey).update(label).digest('base64url');
    },
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
    },
    open(envelope) {
      const [version, iv, tag, ct] = envelope.split('.');
      if (version !== VERSION || !iv || !tag || ct === undefined) throw new Error('not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

/**
 * The key from `TW_SECRET_KEY`, or, on the embedded default only, one generated into the data
 * dir on first start. A Postgres deployment may run many processes, which must share one key,
 * so there the setting is required.
 */
export function resolveSecretKey(config: Config, log?: Logger): Buffer {
  if (config.secretKey) return config.secretKey;
  if (config.databaseUrl) {
    throw new ConfigError('TW_SECRET_KEY: required when DATABASE_URL is set (every process must share the key); generate one with `openssl rand -base64 32`');
  }
  const file = join(config.dataDir, 'secret.key');
  if (existsSync(file)) {
    const key = decodeKey(readFileSync(file, 'utf8'));
    if (!key) throw new ConfigError(`${file}: not a valid key; restore it from backup or set TW_SECRET_KEY`);
    return key;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  log?.warn(
    { file },
    'generated a new secret key for encrypting stored credentials; back this file up (losing it makes stored tenant and PSA credentials unreadable) or set TW_SECRET_KEY',
  );
  return key;
}

/** Random token for cookies, setup links and API tokens: 256 bits, base64url. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 hex: tokens are random and long, so a fast hash is the right store for them. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
