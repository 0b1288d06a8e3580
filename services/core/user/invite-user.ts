import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { appUser, USER_ROLES } from '../../../db/schema/index.ts';
import { ConflictError, NotFoundError } from '../../errors.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { createInviteLink } from '../auth/setup-tokens.ts';
import { assertCanGrant, authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';

export const inviteUserInput = z.object({
  email: z.email({ message: 'expected an email address' }).max(320),
  role: z.enum(USER_ROLES),
  name: z.string().trim().max(200).default(''),
});
export type InviteUserInput = z.input<typeof inviteUserInput>;

/** Adds a user to the MSP with no password yet; returns the one-time setup token for their link. */
export async function inviteUser({ ctx, input }: { ctx: Ctx; input: InviteUserInput }) {
  authorize(ctx, 'user.invite');
  const data = inviteUserInput.parse(input);
  assertCanGrant(ctx, data.role);
  const email = data.email.toLowerCase();
  return ctx.db.transaction(async (tx) => {
    // Unique within the MSP only: whether another MSP uses the address is none of this one's business.
    const [taken] = await tx
      .select({ id: appUser.id })
      .from(appUser)
      .where(and(eq(appUser.mspId, ctx.msp), eq(sql`lower(${appUser.email})`, email)))
      .limit(1);
    if (taken) throw new ConflictError(`A user with the email ${email} already exists.`);
    const [user] = await tx.insert(appUser).values({ mspId: ctx.msp, email, name: data.name, role: data.role, status: 'invited' }).returning();
    const setupToken = await createInviteLink(tx, ctx.msp, user!.id);
    await writeAudit(tx, ctx, 'user.invite', { type: 'user', id: user!.id }, { email, role: data.role });
    return { user: user!, setupToken };
  });
}

/** A fresh setup link for a user who has not accepted their invitation yet (the first was lost or expired). */
export async function reissueInvite({ ctx, id }: { ctx: Ctx; id: string }) {
  authorize(ctx, 'user.invite');
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('User not found.');
  return ctx.db.transaction(async (tx) => {
    const [user] = await tx
      .select()
      .from(appUser)
      .where(and(eq(appUser.id, id), eq(appUser.mspId, ctx.msp)))
      .limit(1);
    if (!user) throw new NotFoundError('User not found.');
    if (user.status !== 'invited') throw new ConflictError(`${user.email} has already accepted the invitation.`);
    assertCanGrant(ctx, user.role);
    const setupToken = await createInviteLink(tx, ctx.msp, user.id);
    await writeAudit(tx, ctx, 'user.invite_reissued', { type: 'user', id: user.id });
    return { user, setupToken };
  });
}
