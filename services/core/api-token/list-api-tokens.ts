import { and, desc, eq } from 'drizzle-orm';
import { apiToken } from '../../../db/schema/index.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';

export type ApiTokenState = 'active' | 'expired' | 'revoked';

/** A token as lists show it: never the token or its hash, only the prefix to tell them apart. */
export function toApiTokenView(t: typeof apiToken.$inferSelect, now = new Date()) {
  const state: ApiTokenState = t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt <= now ? 'expired' : 'active';
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    role: t.role,
    state,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    expiresAt: t.expiresAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
  };
}
export type ApiTokenView = ReturnType<typeof toApiTokenView>;

/** The API tokens a user of this MSP owns, newest first, revoked and expired ones included. */
export async function listApiTokens({ ctx, userId }: { ctx: Ctx; userId: string }): Promise<ApiTokenView[]> {
  authorize(ctx, 'token.create');
  const rows = await ctx.db
    .select()
    .from(apiToken)
    .where(and(eq(apiToken.mspId, ctx.msp), eq(apiToken.userId, userId)))
    .orderBy(desc(apiToken.createdAt));
  const now = new Date();
  return rows.map((r) => toApiTokenView(r, now));
}
