import { and, count, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { appUser, auditLog } from '../../../db/schema/index.ts';
import { RateLimitedError, UnauthenticatedError } from '../../errors.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { verifyPassword } from './passwords.ts';

export type SignInInput = { email: string; password: string };

/** Failed sign-ins allowed per account in the window before further attempts are refused. */
export const MAX_FAILED_SIGN_INS = 10;
export const FAILED_SIGN_IN_WINDOW_MINUTES = 15;

/**
 * Guessing against one account (passwords and second-factor codes alike): counted from the
 * audit log, so it holds across every process of the installation. Throws RateLimitedError.
 */
export async function assertNotThrottled(db: Db, userId: string): Promise<void> {
  const since = new Date(Date.now() - FAILED_SIGN_IN_WINDOW_MINUTES * 60_000);
  const [failed] = await db
    .select({ n: count() })
    .from(auditLog)
    .where(and(eq(auditLog.actorId, userId), inArray(auditLog.action, ['auth.sign_in_failed', 'auth.mfa_failed']), gt(auditLog.createdAt, since)));
  if ((failed?.n ?? 0) >= MAX_FAILED_SIGN_INS) {
    throw new RateLimitedError(
      `Too many failed sign-ins for this account: try again in ${FAILED_SIGN_IN_WINDOW_MINUTES} minutes, or ask an admin to reset the password.`,
      FAILED_SIGN_IN_WINDOW_MINUTES * 60,
    );
  }
}

/**
 * Checks an email and password. The error never says which of the two was wrong, and an
 * unknown email takes as long as a wrong password. A user with a second factor is not signed
 * in yet (`mfaRequired`): the caller starts a pending sign-in for the code.
 */
export async function signIn(db: Db, input: SignInInput, meta: { ip?: string; requestId?: string } = {}) {
  const [user] = await db
    .select()
    .from(appUser)
    .where(eq(sql`lower(${appUser.email})`, input.email.trim().toLowerCase()))
    .limit(1);
  if (user) await assertNotThrottled(db, user.id);
  const ok = await verifyPassword(user?.passwordHash ?? null, input.password);
  if (!user || !ok || user.status !== 'active') {
    if (user) {
      await writeAudit(db, { msp: user.mspId, actor: { type: 'user', id: user.id, role: user.role }, ...meta }, 'auth.sign_in_failed', {
        type: 'user',
        id: user.id,
      });
    }
    throw new UnauthenticatedError('Email or password is incorrect.');
  }
  if (user.totpEnabledAt) return { user, mfaRequired: true as const };
  await recordSignIn(db, user, 'password', meta);
  return { user, mfaRequired: false as const };
}

/** The last step of every successful sign-in: the user's last sign-in time and the audit record. */
export async function recordSignIn(
  db: Db,
  user: { id: string; mspId: string; role: typeof appUser.$inferSelect.role },
  method: 'password' | 'microsoft',
  meta: { ip?: string; requestId?: string },
  details: Record<string, unknown> = {},
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.update(appUser).set({ lastSignInAt: new Date() }).where(eq(appUser.id, user.id));
    await writeAudit(tx, { msp: user.mspId, actor: { type: 'user', id: user.id, role: user.role }, ...meta }, 'auth.sign_in', { type: 'user', id: user.id }, { method, ...details });
  });
}
