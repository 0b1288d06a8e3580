import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { apiToken } from '../../../db/schema/index.ts';
import { NotFoundError } from '../../errors.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize, roleAllows } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { toApiTokenView, type ApiTokenView } from './list-api-tokens.ts';

/**
 * Revokes an API token for good. Anyone revokes their own tokens; an admin also anyone's in the
 * MSP (a token left behind by someone who moved on). Revoking twice is not an error.
 */
export async function revokeApiToken({ ctx, id }: { ctx: Ctx; id: string }): Promise<ApiTokenView> {
  authorize(ctx, 'token.create');
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('API token not found.');
  const me = ctx.actor.type === 'user' ? ctx.actor.id : ctx.actor.type === 'token' ? ctx.actor.userId : null;
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(apiToken)
      .where(and(eq(apiToken.id, id), eq(apiToken.mspId, ctx.msp)))
      .for('update')
      .limit(1);
    const mayRevoke = row && (ctx.actor.type === 'system' || row.userId === me || roleAllows(ctx.actor.role, 'user.write'));
    if (!row || !mayRevoke) throw new NotFoundError('API token not found.');
    if (row.revokedAt) return toApiTokenView(row);
    const [revoked] = await tx.update(apiToken).set({ revokedAt: new Date() }).where(eq(apiToken.id, row.id)).returning();
    await writeAudit(tx, ctx, 'api_token.revoke', { type: 'api_token', id: row.id }, { name: row.name, userId: row.userId });
    return toApiTokenView(revoked!);
  });
}
