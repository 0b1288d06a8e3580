import { and, eq, gte, inArray, type SQL } from 'drizzle-orm';
import { securityEvent } from '../../../db/schema/index.ts';
import { compileToSql, parseFilter } from '../../language/index.ts';
import type { Ctx } from '../context.ts';

/** How far back a dry run looks. */
export const DRY_RUN_DAYS = 30;

/** The SQL side of a rule: its expression and its tenant scope, within the caller's MSP. */
export function ruleMatchSql(ctx: Pick<Ctx, 'msp'>, rule: { expression: string; tenantId: string | null | undefined }, now = new Date()): SQL {
  return and(
    eq(securityEvent.mspId, ctx.msp),
    rule.tenantId ? eq(securityEvent.tenantId, rule.tenantId) : undefined,
    compileToSql(parseFilter(rule.expression), { now }),
  )!;
}

/** Events a dry run counts: not ignored yet and last seen within the dry-run window. */
export function dryRunWindow(now: Date): SQL {
  return and(inArray(securityEvent.status, ['open', 'resolved']), gte(securityEvent.lastSeenAt, new Date(now.getTime() - DRY_RUN_DAYS * 86_400_000)))!;
}
