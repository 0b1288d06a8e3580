import { and, count, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client.ts';
import { appUser, pendingSignIn, recoveryCode } from '../../../db/schema/index.ts';
import { randomToken, sha256, type SecretBox } from '../../crypto.ts';
import { ConflictError, UnauthenticatedError, ValidationError } from '../../errors.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { recordProductEvent } from '../../notify/outbox.ts';
import { assertNotThrottled, recordSignIn } from './sign-in.ts';
import { looksLikeRecoveryCode, matchTotp, newRecoveryCodes, newTotpSecret, normaliseRecoveryCode, totpUri } from './totp.ts';

/**
 * The second factor of local accounts: TOTP enrolment (secret sealed at rest, confirmed with a
 * first code), ten one-time recovery codes, the sign-in step that follows a correct password,
 * and turning it off. Codes are checked under a row lock on the user, so two requests with the
 * same code cannot both pass.
 */

/** How long the code step of a sign-in may take before the password must be entered again. */
export const PENDING_SIGN_IN_MINUTES = 5;
/** Wrong codes one pending sign-in takes before it is dropped (the account throttle still applies). */
export const PENDING_SIGN_IN_ATTEMPTS = 5;

type Meta = { ip?: string | undefined; requestId?: string | undefined };
type UserRow = typeof appUser.$inferSelect;

const asUser = (user: Pick<UserRow, 'id' | 'mspId' | 'role'>, meta: Meta) => ({
  msp: user.mspId,
  actor: { type: 'user' as const, id: user.id, role: user.role },
  ...(meta.ip ? { ip: meta.ip } : {}),
  ...(meta.requestId ? { requestId: meta.requestId } : {}),
});

const recoveryHash = (secrets: SecretBox, userId: string, code: string) => secrets.mac(`recovery-code:${userId}:${normaliseRecoveryCode(code)}`);

async function lockUser(tx: DbOrTx, userId: string): Promise<UserRow> {
  const [user] = await tx.select().from(appUser).where(eq(appUser.id, userId)).for('update').limit(1);
  if (!user) throw new UnauthenticatedError('This account no longer exists.');
  return user;
}

/**
 * Checks a code against a locked user row and spends it: an authenticator code moves the
 * user's last accepted step forward, a recovery code is marked used. Returns what matched.
 */
async function spendCode(tx: DbOrTx, secrets: SecretBox, user: UserRow, code: string): Promise<'totp' | 'recovery_code' | null> {
  if (looksLikeRecoveryCode(code)) {
    const [used] = await tx
      .update(recoveryCode)
      .set({ usedAt: new Date() })
      .where(and(eq(recoveryCode.userId, user.id), eq(recoveryCode.codeHash, recoveryHash(secrets, user.id, code)), isNull(recoveryCode.usedAt)))
      .returning({ id: recoveryCode.id });
    return used ? 'recovery_code' : null;
  }
  if (!user.totpSecretEnc) return null;
  const step = matchTotp(secrets.open(user.totpSecretEnc), code);
  if (step === null || (user.totpLastStep !== null && step <= user.totpLastStep)) return null;
  await tx.update(appUser).set({ totpLastStep: step }).where(eq(appUser.id, user.id));
  return 'totp';
}

export type MfaStatus = { totpEnabled: boolean; enabledAt: string | null; recoveryCodesLeft: number };

export async function getMfaStatus(db: Db, userId: string): Promise<MfaStatus> {
  const [user] = await db.select({ enabledAt: appUser.totpEnabledAt }).from(appUser).where(eq(appUser.id, userId)).limit(1);
  const [left] = await db
    .select({ n: count() })
    .from(recoveryCode)
    .where(and(eq(recoveryCode.userId, userId), isNull(recoveryCode.usedAt)));
  const enabledAt = user?.enabledAt ?? null;
  return { totpEnabled: enabledAt !== null, enabledAt: enabledAt?.toISOString() ?? null, recoveryCodesLeft: enabledAt ? (left?.n ?? 0) : 0 };
}

/**
 * Starts (or restarts) TOTP enrolment: a new secret, sealed on the user's row, not yet in force.
 * Returns the secret and the otpauth URI for the QR code; they are shown once.
 */
export async function startTotpEnrolment(db: Db, secrets: SecretBox, userId: string, meta: Meta = {}) {
  return db.transaction(async (tx) => {
    const user = await lockUser(tx, userId);
    if (user.totpEnabledAt) throw new ConflictError('Two-step sign-in is already on. Turn it off first to set up a new authenticator.');
    const secret = newTotpSecret();
    await tx
      .update(appUser)
      .set({ totpSecretEnc: secrets.seal(secret), totpLastStep: null })
      .where(eq(appUser.id, user.id));
    await writeAudit(tx, asUser(user, meta), 'auth.mfa_enrolment_started', { type: 'user', id: user.id });
    return { secret, uri: totpUri(secret, user.email) };
  });
}

/** Confirms enrolment with a code from the app; turns TOTP on and returns ten recovery codes, shown once. */
export async function confirmTotpEnrolment(db: Db, secrets: SecretBox, userId: string, code: string, meta: Meta = {}) {
  return db.transaction(async (tx) => {
    const user = await lockUser(tx, userId);
    if (user.totpEnabledAt) throw new ConflictError('Two-step sign-in is already on.');
    if (!user.totpSecretEnc) throw new ConflictError('Start the set-up first: no authenticator is waiting to be confirmed.');
    const step = matchTotp(secrets.open(user.totpSecretEnc), code);
    if (step === null)
      throw new ValidationError('That code is not right. Enter the 6-digit code your authenticator app shows now.', [
        { path: 'code', message: 'not the current code' },
      ]);
    const codes = newRecoveryCodes();
    await tx.update(appUser).set({ totpEnabledAt: new Date(), totpLastStep: step }).where(eq(appUser.id, user.id));
    await tx.delete(recoveryCode).where(eq(recoveryCode.userId, user.id));
    await tx.insert(recoveryCode).values(codes.map((c) => ({ userId: user.id, codeHash: recoveryHash(secrets, user.id, c) })));
    await writeAudit(tx, asUser(user, meta), 'auth.mfa_enabled', { type: 'user', id: user.id }, { method: 'totp' });
    return { recoveryCodes: codes };
  });
}

/** Turns TOTP off for oneself; needs a current code (or a recovery code), so a borrowed session cannot. */
export async function disableTotp(db: Db, secrets: SecretBox, userId: string, code: string, meta: Meta = {}) {
  await assertNotThrottled(db, userId);
  const outcome = await db.transaction(async (tx) => {
    const user = await lockUser(tx, userId);
    if (!user.totpEnabledAt) throw new ConflictError('Two-step sign-in is not on.');
    const matched = await spendCode(tx, secrets, user, code);
    if (!matched) return { user, ok: false as const };
    await clearSecondFactor(tx, user.id);
    await writeAudit(tx, asUser(user, meta), 'auth.mfa_disabled', { type: 'user', id: user.id }, { with: matched });
    return { user, ok: true as const };
  });
  if (!outcome.ok) {
    await writeAudit(db, asUser(outcome.user, meta), 'auth.mfa_failed', { type: 'user', id: outcome.user.id }, { during: 'disable' });
    throw new ValidationError('That code is not right. Enter the current code from your authenticator app, or a recovery code.', [
      { path: 'code', message: 'not accepted' },
    ]);
  }
}

/** Removes a user's second factor entirely (their own disable, or an admin's reset). */
export async function clearSecondFactor(tx: DbOrTx, userId: string): Promise<void> {
  await tx.update(appUser).set({ totpSecretEnc: null, totpEnabledAt: null, totpLastStep: null }).where(eq(appUser.id, userId));
  await tx.delete(recoveryCode).where(eq(recoveryCode.userId, userId));
  await tx.delete(pendingSignIn).where(eq(pendingSignIn.userId, userId));
}

/**
 * The first factor was right and the user has TOTP: a short-lived, single-use pending sign-in.
 * The returned token goes in an httpOnly cookie; only its hash is stored.
 */
export async function createPendingSignIn(db: Db, userId: string, method: 'password' | 'microsoft'): Promise<{ token: string; expiresAt: Date }> {
  const token = randomToken();
  const expiresAt = new Date(Date.now() + PENDING_SIGN_IN_MINUTES * 60_000);
  // Housekeeping on the way: expired pending sign-ins are useless.
  await db.delete(pendingSignIn).where(lt(pendingSignIn.expiresAt, new Date()));
  await db.insert(pendingSignIn).values({ tokenHash: sha256(token), userId, method, expiresAt });
  return { token, expiresAt };
}

const EXPIRED = 'The sign-in has expired or was already completed. Sign in again.';

/**
 * The code step: the pending sign-in from the cookie and an authenticator or recovery code.
 * On success the pending sign-in is spent and the user returned, ready for a session; a wrong
 * code counts against the account like a wrong password.
 */
export async function completeSignIn(db: Db, secrets: SecretBox, token: string | undefined, code: string, meta: Meta = {}) {
  const [pending] = token
    ? await db
        .select()
        .from(pendingSignIn)
        .where(eq(pendingSignIn.tokenHash, sha256(token)))
        .limit(1)
    : [];
  if (!pending || pending.expiresAt <= new Date()) throw new UnauthenticatedError(EXPIRED);
  await assertNotThrottled(db, pending.userId);
  const outcome = await db.transaction(async (tx) => {
    const user = await lockUser(tx, pending.userId);
    // Spent by a concurrent request while this one waited for the lock.
    const [still] = await tx.select({ t: pendingSignIn.tokenHash }).from(pendingSignIn).where(eq(pendingSignIn.tokenHash, pending.tokenHash)).limit(1);
    if (!still) throw new UnauthenticatedError(EXPIRED);
    if (user.status !== 'active' || !user.totpEnabledAt) {
      await tx.delete(pendingSignIn).where(eq(pendingSignIn.tokenHash, pending.tokenHash));
      throw new UnauthenticatedError(EXPIRED);
    }
    const matched = await spendCode(tx, secrets, user, code);
    if (matched) {
      await tx.delete(pendingSignIn).where(eq(pendingSignIn.tokenHash, pending.tokenHash));
      return { user, matched };
    }
    await tx
      .update(pendingSignIn)
      .set({ failedAttempts: sql`${pendingSignIn.failedAttempts} + 1` })
      .where(eq(pendingSignIn.tokenHash, pending.tokenHash));
    await tx
      .delete(pendingSignIn)
      .where(and(eq(pendingSignIn.tokenHash, pending.tokenHash), sql`${pendingSignIn.failedAttempts} >= ${PENDING_SIGN_IN_ATTEMPTS}`));
    return { user, matched: null };
  });
  const { user, matched } = outcome;
  if (!matched) {
    await db.transaction(async (tx) => {
      await writeAudit(tx, asUser(user, meta), 'auth.mfa_failed', { type: 'user', id: user.id }, { during: 'sign_in' });
      await recordProductEvent(tx, {
        mspId: user.mspId,
        eventType: 'LoginAttempt',
        operationResult: 'OneTimePasswordInvalid',
        userId: user.id,
        userName: user.email,
        userSource: pending.method === 'microsoft' ? 'Microsoft' : 'Local',
        networkAddress: meta.ip,
      });
    });
    throw new UnauthenticatedError('That code is not right. Enter the current 6-digit code from your authenticator app, or one of your recovery codes.');
  }
  await recordSignIn(db, user, pending.method === 'microsoft' ? 'microsoft' : 'password', meta, { secondFactor: matched });
  return user;
}
