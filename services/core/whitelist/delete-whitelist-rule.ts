import { and, eq } from 'drizzle-orm';
import { whitelistRule } from '../../../db/schema/index.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { findRule } from './rule-view.ts';

/**
 * Deletes a rule. Events it ignored stay ignored and keep its id (the event page then says the
 * rule was deleted); unignore them one by one if they need attention.
 */
export async function deleteWhitelistRule({ ctx, id }: { ctx: Ctx; id: string }): Promise<void> {
  authorize(ctx, 'whitelist.write');
  const existing = await findRule(ctx.db, ctx, id);
  await ctx.db.transaction(async (tx) => {
    await tx.delete(whitelistRule).where(and(eq(whitelistRule.id, existing.rule.id), eq(whitelistRule.mspId, ctx.msp)));
    await writeAudit(
      tx,
      ctx,
      'whitelist_rule.delete',
      { type: 'whitelist_rule', id: existing.rule.id },
      {
        name: existing.rule.name,
        expression: existing.rule.expression,
        hits: existing.rule.hits,
      },
    );
  });
}
