import { reevaluateScores } from '../../notify/score-triggers.ts';
import { and, eq, sql } from 'drizzle-orm';
import { securityEvent, whitelistRule } from '../../../db/schema/index.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { findEvent } from '../event/get-event.ts';
import { findRule, toWhitelistRuleView } from './rule-view.ts';
import { ruleMatchSql } from './rule-match.ts';
import { checkTenantScope, createWhitelistRuleInput, parseExpiry, resolveExpression, type CreateWhitelistRuleInput } from './whitelist-input.ts';

/**
 * Creates a whitelist (ignore) rule from a typed expression or from an event's criteria; with
 * `applyToExisting`, the open events it matches now are ignored in the same transaction.
 * @example await createWhitelistRule({ ctx, input: { criteria: { detectionId: 'M365.AzureAD.NewCountrySignIn', userName: 'megan@contoso.com' }, reason: 'Megan works from NL' } })
 */
export async function createWhitelistRule({ ctx, input }: { ctx: Ctx; input: CreateWhitelistRuleInput }) {
  authorize(ctx, 'whitelist.write');
  const data = createWhitelistRuleInput.parse(input);
  const expression = resolveExpression(data);
  const expiresAt = parseExpiry(data.expiresAt) ?? null;
  if (data.eventId) await findEvent(ctx, data.eventId);
  await checkTenantScope(ctx.db, ctx, data.tenantId);
  const createdBy = ctx.actor.type === 'user' ? ctx.actor.id : ctx.actor.type === 'token' ? ctx.actor.userId : null;
  const now = new Date();
  const id = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(whitelistRule)
      .values({
        mspId: ctx.msp,
        tenantId: data.tenantId ?? null,
        name: data.name ?? expression.slice(0, 200),
        expression,
        reason: data.reason,
        createdBy,
        expiresAt,
        enabled: data.enabled,
      })
      .returning({ id: whitelistRule.id });
    const ruleId = row!.id;
    let applied = 0;
    if (data.applyToExisting && data.enabled) {
      const done = await tx
        .update(securityEvent)
        .set({ status: 'ignored', whitelistRuleId: ruleId, ignoredAt: now, ignoredBy: null })
        .where(and(eq(securityEvent.status, 'open'), ruleMatchSql(ctx, { expression, tenantId: data.tenantId }, now)))
        .returning({ id: securityEvent.id });
      applied = done.length;
      await reevaluateScores(tx, { mspId: ctx.msp, eventIds: done.map((d) => d.id) });
      if (applied > 0)
        await tx
          .update(whitelistRule)
          .set({ hits: sql`${whitelistRule.hits} + ${applied}` })
          .where(eq(whitelistRule.id, ruleId));
    }
    await writeAudit(
      tx,
      ctx,
      'whitelist_rule.create',
      { type: 'whitelist_rule', id: ruleId },
      {
        expression,
        tenantId: data.tenantId ?? null,
        ...(data.eventId ? { fromEvent: data.eventId } : {}),
        ...(data.applyToExisting ? { appliedToExisting: applied } : {}),
      },
    );
    return ruleId;
  });
  return toWhitelistRuleView(await findRule(ctx.db, ctx, id));
}
