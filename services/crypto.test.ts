import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig } from './config.ts';
import { createSecretBox, resolveSecretKey } from './crypto.ts';
import { createLogger } from './log.ts';

const box = createSecretBox(Buffer.alloc(32, 1));

describe('secret box (AES-256-GCM)', () => {
  test('round-trips and never stores the plaintext', () => {
    const sealed = box.seal('client-secret-value~1');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('client-secret');
    expect(box.open(sealed)).toBe('client-secret-value~1');
  });

  test('the same plaintext seals differently each time (random IV)', () => {
    expect(box.seal('x')).not.toBe(box.seal('x'));
  });

  test('a tampered envelope or another key is refused', () => {
    const sealed = box.seal('secret');
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    parts[3] = ct.toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
    expect(() => createSecretBox(Buffer.alloc(32, 2)).open(sealed)).toThrow();
    expect(() => box.open('garbage')).toThrow('not a sealed secret');
  });
});

describe('resolveSecretKey', () => {
  test('embedded default: generates a key into the data dir once, warns, and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-key-'));
    const lines: string[] = [];
    const log = createLogger({ logLevel: 'info' }, { write: (l: string) => lines.push(l) });
    const config = loadConfig({ TW_DATA_DIR: dir });
    const first = resolveSecretKey(config, log);
    expect(first.length).toBe(32);
    expect(lines.join('')).toContain('generated a new secret key');
    expect(statSync(join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(resolveSecretKey(config, log).equals(first)).toBe(true);
    expect(lines).toHaveLength(1);
    expect(readFileSync(join(dir, 'secret.key'), 'utf8').trim()).toBe(first.toString('base64'));
  });

  test('TW_SECRET_KEY wins', () => {
    const key = resolveSecretKey(loadConfig({ TW_SECRET_KEY: 'cd'.repeat(32) }));
    expect(key.toString('hex')).toBe('cd'.repeat(32));
  });

  test('with a Postgres server the key must come from the environment', () => {
    expect(() => resolveSecretKey(loadConfig({ DATABASE_URL: 'postgres://localhost/x' }))).toThrow(/TW_SECRET_KEY: required when DATABASE_URL is set/);
  });
});
