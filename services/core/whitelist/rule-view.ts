import { and, eq, getTableColumns } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../../db/client.ts';
import { appUser, tenant, whitelistRule } from '../../../db/schema/index.ts';
import { describeFilter, parseFilter } from '../../language/index.ts';
import { NotFoundError } from '../../errors.ts';
import type { Ctx } from '../context.ts';

type RuleRow = typeof whitelistRule.$inferSelect;

export const ruleSelection = {
  rule: getTableColumns(whitelistRule),
  tenantName: tenant.name,
  createdByName: appUser.name,
  createdByEmail: appUser.email,
};

/** Rules with their tenant's and creator's names; join once, use for lists and single rules. */
export function selectRules(db: DbOrTx) {
  return db
    .select(ruleSelection)
    .from(whitelistRule)
    .leftJoin(tenant, eq(tenant.id, whitelistRule.tenantId))
    .leftJoin(appUser, eq(appUser.id, whitelistRule.createdBy))
    .$dynamic();
}

export function toWhitelistRuleView(
  r: { rule: RuleRow; tenantName: string | null; createdByName: string | null; createdByEmail: string | null },
  now = new Date(),
) {
  const { rule } = r;
  let description: string | null = null;
  try {
    description = describeFilter(parseFilter(rule.expression));
  } catch {
    description = null;
  }
  return {
    id: rule.id,
    name: rule.name,
    expression: rule.expression,
    /** The expression in plain words. */
    description,
    reason: rule.reason,
    tenantId: rule.tenantId,
    tenantName: r.tenantName,
    createdBy: rule.createdBy ? { id: rule.createdBy, name: r.createdByName ?? '', email: r.createdByEmail ?? '' } : null,
    createdAt: rule.createdAt.toISOString(),
    expiresAt: rule.expiresAt?.toISOString() ?? null,
    expired: rule.expiresAt !== null && rule.expiresAt <= now,
    enabled: rule.enabled,
    hits: rule.hits,
  };
}
export type WhitelistRuleView = ReturnType<typeof toWhitelistRuleView>;

/** One rule of the caller's MSP; another MSP's id, or a malformed one, is simply not found. */
export async function findRule(db: DbOrTx, ctx: Pick<Ctx, 'msp'>, id: string) {
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('Whitelist rule not found.');
  const [row] = await selectRules(db)
    .where(and(eq(whitelistRule.id, id), eq(whitelistRule.mspId, ctx.msp)))
    .limit(1);
  if (!row) throw new NotFoundError('Whitelist rule not found.');
  return row;
}
