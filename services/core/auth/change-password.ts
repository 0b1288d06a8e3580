import { and, eq, ne } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { appUser, pendingSignIn, session } from '../../../db/schema/index.ts';
import { sha256 } from '../../crypto.ts';
import { UnauthenticatedError, ValidationError } from '../../errors.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { recordProductEvent } from '../../notify/outbox.ts';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './passwords.ts';
import { revokeUserLinks } from './setup-tokens.ts';
import { assertNotThrottled } from './sign-in.ts';

type Meta = { ip?: string; requestId?: string };

/**
 * A signed-in user changes their own password; the current one is needed, so a borrowed session
 * cannot. Every other session of theirs ends (the one making the change stays signed in), and an
 * outstanding reset link stops working. Wrong current passwords are audited and throttled.
 */
export async function changePassword(
  db: Db,
  userId: string,
  input: { currentPassword: string; newPassword: string },
  keepSessionToken: string | undefined,
  meta: Meta = {},
): Promise<void> {
  await assertNotThrottled(db, userId);
  const [user] = await db.select().from(appUser).where(eq(appUser.id, userId)).limit(1);
  if (!user || user.status !== 'active') throw new UnauthenticatedError();
  const actor = { msp: user.mspId, actor: { type: 'user' as const, id: user.id, role: user.role }, ...meta };
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
    await writeAudit(db, actor, 'auth.password_change_failed', { type: 'user', id: user.id });
    const hint = user.passwordHash ? '' : ' Your account has no password yet (you sign in with Microsoft): ask an admin for a password reset link to set one.';
    throw new ValidationError(`Your current password is not right.${hint}`, [{ path: 'currentPassword', message: 'not right' }]);
  }
  checkPasswordPolicy(input.newPassword);
  if (input.newPassword === input.currentPassword) {
    throw new ValidationError('Choose a new password that differs from the current one.', [{ path: 'newPassword', message: 'same as the current one' }]);
  }
  const passwordHash = await hashPassword(input.newPassword);
  await db.transaction(async (tx) => {
    await tx.update(appUser).set({ passwordHash }).where(eq(appUser.id, user.id));
    const others = keepSessionToken ? and(eq(session.userId, user.id), ne(session.tokenHash, sha256(keepSessionToken))) : eq(session.userId, user.id);
    const ended = await tx.delete(session).where(others).returning({ t: session.tokenHash });
    await tx.delete(pendingSignIn).where(eq(pendingSignIn.userId, user.id));
    await revokeUserLinks(tx, user.id);
    await writeAudit(tx, actor, 'auth.password_changed', { type: 'user', id: user.id }, { otherSessionsEnded: ended.length });
    await recordProductEvent(tx, {
      mspId: user.mspId,
      eventType: 'ChangePasswordAttempt',
      operationResult: 'Success',
      userId: user.id,
      userName: user.email,
      userSource: 'Local',
      networkAddress: meta.ip,
    });
  });
}
