import { and, asc, count, eq, gt, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { appUser, auditLog, msp } from '../../../db/schema/index.ts';
import { RateLimitedError, UnauthenticatedError } from '../../errors.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { recordProductEvent } from '../../notify/outbox.ts';
import { verifyPassword } from './passwords.ts';
import {
  addressKey,
  countAttempt,
  emailKey,
  FAILED_SIGN_IN_WINDOW_MINUTES,
  isFamiliarAddress,
  MAX_FAILED_SIGN_INS,
  MAX_FAILED_SIGN_INS_PER_ADDRESS,
  refundAttempt,
} from './sign-in-throttle.ts';

export { FAILED_SIGN_IN_WINDOW_MINUTES, MAX_FAILED_SIGN_INS } from './sign-in-throttle.ts';

export type SignInInput = {
  email: string;
  password: string;
  /** Only when the same email and password open accounts at several MSPs: the one to sign in to. */
  mspId?: string | undefined;
};

type UserRow = typeof appUser.$inferSelect;
type Meta = { ip?: string; requestId?: string };

export type SignInResult =
  { kind: 'signed_in'; user: UserRow } | { kind: 'mfa_required'; user: UserRow } | { kind: 'choose_msp'; msps: { id: string; name: string }[] };

// A well-formed id no MSP has, for a malformed `mspId`: it simply matches nothing.
const NO_MSP = '00000000-0000-0000-0000-000000000000';

const tooMany = (retryAfterSeconds: number) =>
  new RateLimitedError(
    `Too many failed sign-ins for this email address or from this network: try again in ${Math.ceil(retryAfterSeconds / 60)} minutes. ` +
      'Two-step sign-in, or signing in from where you usually do, still works; an admin of your MSP can also send you a password reset link.',
    retryAfterSeconds,
  );

/**
 * Second-factor codes (and current-password checks when changing it) against one account:
 * counted from the audit log, across every process of the installation. Only someone who
 * already has the password (or a session) can produce these failures, so they cannot be used
 * to keep the owner out. Throws RateLimitedError.
 */
export async function assertNotThrottled(db: Db, userId: string): Promise<void> {
  const since = new Date(Date.now() - FAILED_SIGN_IN_WINDOW_MINUTES * 60_000);
  const [failed] = await db
    .select({ n: count() })
    .from(auditLog)
    .where(and(eq(auditLog.actorId, userId), inArray(auditLog.action, ['auth.mfa_failed', 'auth.password_change_failed']), gt(auditLog.createdAt, since)));
  if ((failed?.n ?? 0) >= MAX_FAILED_SIGN_INS) {
    throw new RateLimitedError(
      `Too many wrong codes or passwords for this account: try again in ${FAILED_SIGN_IN_WINDOW_MINUTES} minutes, or ask an admin to reset the password.`,
      FAILED_SIGN_IN_WINDOW_MINUTES * 60,
    );
  }
}

/**
 * Checks an email and password. The error never says which of the two was wrong, and an
 * unknown email answers exactly as a known one (same message, same throttle, as long as a
 * wrong password).
 *
 * Throttling: each attempt is counted before the password is checked, per email address and per
 * client address, in one atomic upsert each. Past the limit the client address is refused
 * outright. Past the email's limit a password alone no longer signs in, except from an address
 * the user signed in from before; an account with two-step sign-in still gets to its code step,
 * where the second factor guards it. So guesses from elsewhere slow an attacker down without
 * locking the owner out.
 *
 * Emails are unique per MSP only: the password is checked against every active account with
 * that email, and the account it opens is the one signed in to. When it opens several, the
 * caller asks which MSP and tries again with `mspId`. A user with a second factor is not signed
 * in yet (`mfa_required`): the caller starts a pending sign-in for the code.
 */
export async function signIn(db: Db, input: SignInInput, meta: Meta = {}): Promise<SignInResult> {
  const email = input.email.trim().toLowerCase();
  const keys = [emailKey(email), ...(meta.ip ? [addressKey(meta.ip)] : [])];
  const perEmail = await countAttempt(db, keys[0]!);
  if (meta.ip) {
    const perAddress = await countAttempt(db, keys[1]!);
    if (perAddress.failures > MAX_FAILED_SIGN_INS_PER_ADDRESS) throw tooMany(perAddress.retryAfterSeconds);
  }

  const candidates = await db
    .select()
    .from(appUser)
    .where(
      and(eq(sql`lower(${appUser.email})`, email), input.mspId ? eq(appUser.mspId, z.uuid().safeParse(input.mspId).success ? input.mspId : NO_MSP) : undefined),
    )
    .orderBy(asc(appUser.createdAt));
  const matched: UserRow[] = [];
  const active = candidates.filter((u) => u.status === 'active' && u.passwordHash);
  if (active.length === 0) await verifyPassword(null, input.password);
  for (const user of active) if (await verifyPassword(user.passwordHash, input.password)) matched.push(user);

  const throttled =
    perEmail.failures > MAX_FAILED_SIGN_INS &&
    !(await isFamiliarAddress(
      db,
      candidates.map((u) => u.id),
      meta.ip,
    ));
  const only = matched.length === 1 ? matched[0]! : null;
  // Under the throttle a password alone is not enough; with a second factor the code step decides.
  if (matched.length === 0 || (throttled && !only?.totpEnabledAt)) {
    // The attempt that crosses the limit is the lockout; the others are wrong passwords.
    const operationResult = throttled && perEmail.failures === MAX_FAILED_SIGN_INS + 1 ? 'LockedOut' : 'PasswordInvalid';
    for (const user of candidates) {
      await db.transaction(async (tx) => {
        await writeAudit(
          tx,
          { msp: user.mspId, actor: { type: 'user', id: user.id, role: user.role }, ...meta },
          'auth.sign_in_failed',
          { type: 'user', id: user.id },
          { throttled },
        );
        await recordProductEvent(tx, {
          mspId: user.mspId,
          eventType: 'LoginAttempt',
          operationResult,
          userId: user.id,
          userName: user.email,
          userSource: 'Local',
          networkAddress: meta.ip,
        });
      });
    }
    if (throttled) throw tooMany(perEmail.retryAfterSeconds);
    throw new UnauthenticatedError('Email or password is incorrect.');
  }
  await refundAttempt(db, keys);
  if (!only) {
    const names = await db
      .select({ id: msp.id, name: msp.name })
      .from(msp)
      .where(
        inArray(
          msp.id,
          matched.map((u) => u.mspId),
        ),
      )
      .orderBy(asc(msp.name));
    return { kind: 'choose_msp', msps: names };
  }
  if (only.totpEnabledAt) {
    await assertNotThrottled(db, only.id);
    return { kind: 'mfa_required', user: only };
  }
  await recordSignIn(db, only, 'password', meta);
  return { kind: 'signed_in', user: only };
}

/** The last step of every successful sign-in: the user's last sign-in time and the audit record. */
export async function recordSignIn(
  db: Db,
  user: { id: string; mspId: string; role: typeof appUser.$inferSelect.role },
  method: 'password' | 'microsoft',
  meta: Meta,
  details: Record<string, unknown> = {},
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.update(appUser).set({ lastSignInAt: new Date() }).where(eq(appUser.id, user.id));
    await writeAudit(
      tx,
      { msp: user.mspId, actor: { type: 'user', id: user.id, role: user.role }, ...meta },
      'auth.sign_in',
      { type: 'user', id: user.id },
      { method, ...details },
    );
    const [row] = await tx.select({ email: appUser.email }).from(appUser).where(eq(appUser.id, user.id)).limit(1);
    await recordProductEvent(tx, {
      mspId: user.mspId,
      eventType: 'LoginAttempt',
      operationResult: 'Success',
      userId: user.id,
      userName: row?.email ?? user.id,
      userSource: method === 'microsoft' ? 'Microsoft' : 'Local',
      networkAddress: meta.ip,
    });
  });
}
