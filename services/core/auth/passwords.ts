import { hash, verify } from '@node-rs/argon2';
import { ValidationError } from '../../errors.ts';

// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. `algorithm: 2` is the library's
// const enum Algorithm.Argon2id, which isolated modules cannot import.
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

export function checkPasswordPolicy(password: string): void {
  if (password.length < PASSWORD_MIN) throw new ValidationError(`Password must be at least ${PASSWORD_MIN} characters.`);
  if (password.length > PASSWORD_MAX) throw new ValidationError(`Password must be at most ${PASSWORD_MAX} characters.`);
}

/** argon2id PHC string, e.g. `$argon2id$v=19$m=19456,t=2,p=1$...`. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

// Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
let dummyHash: Promise<string> | undefined;

export async function verifyPassword(phc: string | null, password: string): Promise<boolean> {
  if (!phc) {
    dummyHash ??= hashPassword('tenantwatch-timing-equaliser');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(phc, password).catch(() => false);
}
