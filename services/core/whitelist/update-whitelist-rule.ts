import { and, eq } from 'drizzle-orm';
import { whitelistRule } from '../../../db/schema/index.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { findRule, toWhitelistRuleView } from './rule-view.ts';
import { checkTenantScope, parseExpiry, resolveExpression, updateWhitelistRuleInput, type UpdateWhitelistRuleInput } from './whitelist-input.ts';

/** Changes a rule (name, reason, expression, scope, expiry, enabled); events it already ignored stay ignored. */
export async function updateWhitelistRule({ ctx, id, input }: { ctx: Ctx; id: string; input: UpdateWhitelistRuleInput }) {
  authorize(ctx, 'whitelist.write');
  const data = updateWhitelistRuleInput.parse(input);
  const existing = await findRule(ctx.db, ctx, id);
  const changes: Partial<typeof whitelistRule.$inferInsert> = {};
  if (data.name !== undefined) changes.name = data.name;
  if (data.reason !== undefined) changes.reason = data.reason;
  if (data.expression !== undefined) changes.expression = resolveExpression({ expression: data.expression });
  if (data.tenantId !== undefined) {
    await checkTenantScope(ctx.db, ctx, data.tenantId);
    changes.tenantId = data.tenantId;
  }
  if (data.expiresAt !== undefined) changes.expiresAt = parseExpiry(data.expiresAt);
  if (data.enabled !== undefined) changes.enabled = data.enabled;
  if (Object.keys(changes).length > 0) {
    await ctx.db.transaction(async (tx) => {
      await tx
        .update(whitelistRule)
        .set(changes)
        .where(and(eq(whitelistRule.id, existing.rule.id), eq(whitelistRule.mspId, ctx.msp)));
      const before = Object.fromEntries(Object.keys(changes).map((k) => [k, existing.rule[k as keyof typeof existing.rule]]));
      await writeAudit(tx, ctx, 'whitelist_rule.update', { type: 'whitelist_rule', id: existing.rule.id }, { before, after: changes });
    });
  }
  return toWhitelistRuleView(await findRule(ctx.db, ctx, existing.rule.id));
}
