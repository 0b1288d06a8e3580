import { argon2id } from '@noble/hashes/argon2.js';
import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The Worker's implementation of the two `@node-rs/argon2` calls services/core/auth/passwords.ts
 * makes. That package is a native addon, which workerd cannot load; wrangler.toml aliases it to
 * this file. `@noble/hashes` computes the same argon2id in plain JavaScript, over the same PHC
 * strings (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`), so hashes made on Node verify here
 * and the other way round. It costs about half a second of CPU per sign-in, within the Workers
 * Paid plan's limits (not the free plan's).
 */

/** Same options shape as @node-rs/argon2's `hash`; only what passwords.ts passes. */
export type Argon2Options = { algorithm?: number; memoryCost?: number; timeCost?: number; parallelism?: number };

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '');
const unb64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));
const encoder = new TextEncoder();

export async function hash(password: string, options: Argon2Options = {}): Promise<string> {
  const m = options.memoryCost ?? 19_456;
  const t = options.timeCost ?? 2;
  const p = options.parallelism ?? 1;
  const salt = new Uint8Array(randomBytes(16));
  const digest = argon2id(encoder.encode(password), salt, { m, t, p, dkLen: 32 });
  return `$argon2id$v=19$m=${m},t=${t},p=${p}$${b64(salt)}$${b64(digest)}`;
}

export async function verify(phc: string, password: string): Promise<boolean> {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(phc);
  if (!match) return false;
  const [, m, t, p, salt, expected] = match;
  const want = unb64(expected!);
  const got = argon2id(encoder.encode(password), unb64(salt!), { m: Number(m), t: Number(t), p: Number(p), dkLen: want.length });
  return got.length === want.length && timingSafeEqual(got, want);
}
