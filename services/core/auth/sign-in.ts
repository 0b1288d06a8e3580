import { and, count, eq, gt, sql } from 'drizzle-orm';
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
 * Checks an email and password. The error never says which of the two was wrong, and an
 * unknown email takes as long as a wrong password.
 */
export async function signIn(db: Db, input: SignInInput, meta: { ip?: string; requestId?: string } = {}) {
  const [user] = await db
    .select()
    .from(appUser)
    .where(eq(sql`lower(${appUser.email})`, input.email.trim().toLowerCase()))
    .limit(1);
  if (user) {
    // Password guessing against one account: counted from the audit log, so it holds across
    // every process of the installation. Unknown emails are not counted (nothing to protect).
    const since = new Date(Date.now() - FAILED_SIGN_IN_WINDOW_MINUTES * 60_000);
    const [failed] = await db
      .select({ n: count() })
      .from(auditLog)
      .where(and(eq(auditLog.actorId, user.id), eq(auditLog.action, 'auth.sign_in_failed'), gt(auditLog.createdAt, since)));
    if ((failed?.n ?? 0) >= MAX_FAILED_SIGN_INS) {
      throw new RateLimitedError(
        `Too many failed sign-ins for this account: try again in ${FAILED_SIGN_IN_WINDOW_MINUTES} minutes, or ask an admin to reset the password.`,
        FAILED_SIGN_IN_WINDOW_MINUTES * 60,
      );
    }
  }
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
  await db.transaction(async (tx) => {
    await tx.update(appUser).set({ lastSignInAt: new Date() }).where(eq(appUser.id, user.id));
    await writeAudit(tx, { msp: user.mspId, actor: { type: 'user', id: user.id, role: user.role }, ...meta }, 'auth.sign_in', {
      type: 'user',
      id: user.id,
    });
  });
  return user;
}
