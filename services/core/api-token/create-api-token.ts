import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { apiToken, appUser, USER_ROLES } from '../../../db/schema/index.ts';
import { randomToken, sha256 } from '../../crypto.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { assertCanGrant, authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';

export const TOKEN_PREFIX = 'tw_';

export const createApiTokenInput = z.object({
  name: z.string().trim().min(1, 'give the token a name').max(100),
  /** Defaults to the owning user's role; may be lower, never higher. */
  role: z.enum(USER_ROLES).optional(),
  /** Days until it stops working; omitted means it does not expire. */
  expiresInDays: z.number().int().positive().max(3650).optional(),
});

/**
 * Creates an API token for `userId` (the caller's own user when acting as a user). The token is
 * returned once; only its SHA-256 is stored.
 */
export async function createApiToken({ ctx, input, userId }: { ctx: Ctx; input: z.input<typeof createApiTokenInput>; userId: string }) {
  authorize(ctx, 'token.create');
  const data = createApiTokenInput.parse(input);
  const [owner] = await ctx.db
    .select()
    .from(appUser)
    .where(and(eq(appUser.id, userId), eq(appUser.mspId, ctx.msp)))
    .limit(1);
  if (!owner) throw new NotFoundError('User not found.');
  if (owner.status !== 'active') throw new ValidationError(`${owner.email} has not completed setup or is disabled, so cannot own a token.`);
  const role = data.role ?? owner.role;
  assertCanGrant({ actor: { type: 'user', id: owner.id, role: owner.role } }, role);
  assertCanGrant(ctx, role);
  const token = TOKEN_PREFIX + randomToken();
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(apiToken)
      .values({
        mspId: ctx.msp,
        userId: owner.id,
        name: data.name,
        tokenHash: sha256(token),
        prefix: token.slice(0, 8),
        role,
        expiresAt: data.expiresInDays ? new Date(Date.now() + data.expiresInDays * 86_400_000) : null,
      })
      .returning({
        id: apiToken.id,
        name: apiToken.name,
        role: apiToken.role,
        prefix: apiToken.prefix,
        createdAt: apiToken.createdAt,
        expiresAt: apiToken.expiresAt,
      });
    await writeAudit(tx, ctx, 'api_token.create', { type: 'api_token', id: row!.id }, { name: data.name, role, userId: owner.id });
    return { ...row!, token };
  });
}
