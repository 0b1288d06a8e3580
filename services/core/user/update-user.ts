import { and, eq, isNull, ne } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../../db/client.ts';
import { apiToken, appUser, USER_ROLES, session, type UserRole } from '../../../db/schema/index.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '../../errors.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { clearSecondFactor } from '../auth/mfa.ts';
import { revokeUserLinks } from '../auth/setup-tokens.ts';
import { assertCanGrant, authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { toUserView } from './user-view.ts';

/**
 * Changing, disabling and removing the MSP's users. The rules, checked here for every caller:
 * - nobody acts on a user whose role is above their own (an admin cannot touch an owner);
 * - a role can be granted only up to one's own;
 * - the MSP always keeps at least one active owner;
 * - nobody disables or removes themselves (another admin or owner must).
 */

export const updateUserInput = z.object({
  role: z.enum(USER_ROLES).optional(),
  status: z
    .enum(['active', 'disabled'])
    .optional()
    .describe('`disabled` ends their sessions and revokes their API tokens and links for good; `active` lets them sign in again.'),
});
export type UpdateUserInput = z.input<typeof updateUserInput>;

const rank = (role: UserRole) => USER_ROLES.indexOf(role);
export const actorUserId = (ctx: Ctx) => (ctx.actor.type === 'user' ? ctx.actor.id : ctx.actor.type === 'token' ? ctx.actor.userId : null);

/** The target user of this MSP, locked; 404 for anyone else's. */
export async function lockTarget(tx: DbOrTx, ctx: Ctx, id: string) {
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('User not found.');
  const [user] = await tx
    .select()
    .from(appUser)
    .where(and(eq(appUser.id, id), eq(appUser.mspId, ctx.msp)))
    .for('update')
    .limit(1);
  if (!user) throw new NotFoundError('User not found.');
  if (rank(user.role) > rank(ctx.actor.role)) {
    throw new ForbiddenError(`Only an owner can change an owner's account.`);
  }
  return user;
}

/** Throws unless another active owner remains once `userId` stops being one. */
async function assertAnotherOwner(tx: DbOrTx, ctx: Ctx, userId: string) {
  const others = await tx
    .select({ id: appUser.id })
    .from(appUser)
    .where(and(eq(appUser.mspId, ctx.msp), eq(appUser.role, 'owner'), eq(appUser.status, 'active'), ne(appUser.id, userId)))
    .for('update');
  if (others.length === 0) throw new ConflictError('This is the only owner: make another user an owner first, so the MSP is never left without one.');
}

export async function updateUser({ ctx, id, input }: { ctx: Ctx; id: string; input: UpdateUserInput }) {
  authorize(ctx, 'user.write');
  const data = updateUserInput.parse(input);
  if (data.role) assertCanGrant(ctx, data.role);
  return ctx.db.transaction(async (tx) => {
    const user = await lockTarget(tx, ctx, id);
    const changes: Partial<typeof appUser.$inferInsert> = {};
    if (data.role && data.role !== user.role) changes.role = data.role;
    if (data.status === 'disabled' && user.status !== 'disabled') {
      if (user.id === actorUserId(ctx)) throw new ConflictError('You cannot disable your own account; another admin or owner can.');
      changes.status = 'disabled';
    }
    // An invited user who never set a password goes back to "invited", not "active".
    if (data.status === 'active' && user.status === 'disabled') changes.status = user.passwordHash || user.msObjectId ? 'active' : 'invited';
    const losesOwner =
      user.role === 'owner' && user.status === 'active' && ((changes.role !== undefined && changes.role !== 'owner') || changes.status === 'disabled');
    if (losesOwner) await assertAnotherOwner(tx, ctx, user.id);
    if (Object.keys(changes).length === 0) return toUserView(user);
    const [updated] = await tx.update(appUser).set(changes).where(eq(appUser.id, user.id)).returning();
    if (changes.status === 'disabled') {
      // For good: enabling the user again does not bring back their old tokens or links.
      await tx.delete(session).where(eq(session.userId, user.id));
      await tx
        .update(apiToken)
        .set({ revokedAt: new Date() })
        .where(and(eq(apiToken.userId, user.id), isNull(apiToken.revokedAt)));
      await revokeUserLinks(tx, user.id);
    }
    await writeAudit(tx, ctx, 'user.update', { type: 'user', id: user.id }, { from: { role: user.role, status: user.status }, to: changes });
    return toUserView(updated!);
  });
}

/** Removes a user for good: their sessions and API tokens go with them; the audit log keeps their actions. */
export async function removeUser({ ctx, id }: { ctx: Ctx; id: string }) {
  authorize(ctx, 'user.write');
  await ctx.db.transaction(async (tx) => {
    const user = await lockTarget(tx, ctx, id);
    if (user.id === actorUserId(ctx)) throw new ConflictError('You cannot remove your own account; another admin or owner can.');
    if (user.role === 'owner' && user.status === 'active') await assertAnotherOwner(tx, ctx, user.id);
    await tx.delete(appUser).where(eq(appUser.id, user.id));
    await writeAudit(tx, ctx, 'user.remove', { type: 'user', id: user.id }, { email: user.email, role: user.role });
  });
}

/**
 * Turns off another user's two-step sign-in (a lost phone with no recovery codes left): they
 * sign in with their password alone and should set it up again.
 */
export async function resetUserMfa({ ctx, id }: { ctx: Ctx; id: string }) {
  authorize(ctx, 'user.write');
  return ctx.db.transaction(async (tx) => {
    const user = await lockTarget(tx, ctx, id);
    if (!user.totpEnabledAt && !user.totpSecretEnc) throw new ConflictError(`${user.email} does not have two-step sign-in on.`);
    await clearSecondFactor(tx, user.id);
    await writeAudit(tx, ctx, 'user.mfa_reset', { type: 'user', id: user.id });
    const [fresh] = await tx.select().from(appUser).where(eq(appUser.id, user.id)).limit(1);
    return toUserView(fresh!);
  });
}
