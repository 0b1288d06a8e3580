import { eq } from 'drizzle-orm';
import { appUser, pendingSignIn, session } from '../../../db/schema/index.ts';
import { ConflictError } from '../../errors.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { createUserLink } from '../auth/setup-tokens.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { actorUserId, lockTarget } from './update-user.ts';

/**
 * An admin's password reset for a user who forgot theirs (or whose password may be known to
 * someone else): returns a one-time link, like an invitation, for the user to choose a new one.
 * The old password stops working, their sessions end at once and any earlier link stops working:
 * a reset is also how an admin shuts out someone who may know the password.
 */
export async function issuePasswordReset({ ctx, id }: { ctx: Ctx; id: string }) {
  authorize(ctx, 'user.write');
  return ctx.db.transaction(async (tx) => {
    const user = await lockTarget(tx, ctx, id);
    if (user.id === actorUserId(ctx)) throw new ConflictError('Change your own password on the Your account page.');
    if (user.status === 'invited') throw new ConflictError(`${user.email} has not accepted the invitation yet: send them a new invitation link instead.`);
    if (user.status === 'disabled') throw new ConflictError(`${user.email} is disabled: enable them first.`);
    const resetToken = await createUserLink(tx, 'password_reset', ctx.msp, user.id);
    await tx.update(appUser).set({ passwordHash: null }).where(eq(appUser.id, user.id));
    await tx.delete(session).where(eq(session.userId, user.id));
    await tx.delete(pendingSignIn).where(eq(pendingSignIn.userId, user.id));
    await writeAudit(tx, ctx, 'user.password_reset_issued', { type: 'user', id: user.id });
    return { user, resetToken };
  });
}
