import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { findEvent } from '../event/get-event.ts';
import { countBySeverity, pageEvents } from '../event/list-events.ts';
import { DRY_RUN_DAYS, dryRunWindow, ruleMatchSql } from './rule-match.ts';
import { checkTenantScope, dryRunWhitelistRuleInput, resolveExpression, type DryRunWhitelistRuleInput } from './whitelist-input.ts';

/**
 * What a rule would have ignored: the not-yet-ignored events of the last 30 days it matches,
 * counted, with the newest first page. Takes the body of create; nothing is stored.
 */
export async function dryRunWhitelistRule({ ctx, input }: { ctx: Ctx; input: DryRunWhitelistRuleInput }) {
  authorize(ctx, 'whitelist.write');
  const data = dryRunWhitelistRuleInput.parse(input);
  const expression = resolveExpression(data);
  if (data.eventId) await findEvent(ctx, data.eventId);
  await checkTenantScope(ctx.db, ctx, data.tenantId);
  const now = new Date();
  const extra = [ruleMatchSql(ctx, { expression, tenantId: data.tenantId }, now), dryRunWindow(now)];
  const filter = { status: 'all' as const };
  const counts = await countBySeverity(ctx, filter, now, extra);
  const page = await pageEvents(ctx, filter, { limit: data.limit, sort: 'lastSeen', order: 'desc', now, extra });
  return { expression, days: DRY_RUN_DAYS, count: counts.total, counts, items: page.items };
}
