import { and, asc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { securityEvent, whitelistRule } from '../../db/schema/index.ts';
import { compileToPredicate, parseFilter, type FilterableEvent } from '../language/index.ts';
import { loadFilterableEvents } from './filterable-events.ts';

type Predicate = (event: FilterableEvent) => boolean;

/** Compiled rules by expression: a rule is compiled once per process, not once per batch. */
const compiled = new Map<string, Predicate | null>();
const COMPILED_MAX = 2000;

function predicateFor(expression: string): Predicate | null {
  let predicate = compiled.get(expression);
  if (predicate === undefined) {
    try {
      predicate = compileToPredicate(parseFilter(expression));
    } catch {
      // Rules are checked when saved; one the language no longer accepts ignores nothing.
      predicate = null;
    }
    if (compiled.size >= COMPILED_MAX) compiled.clear();
    compiled.set(expression, predicate);
  }
  return predicate;
}

/** Enabled, unexpired rules of the MSP that apply to the tenant (its own and the MSP-wide ones), oldest first. */
export function activeRules(db: DbOrTx, mspId: string, tenantId: string, now: Date) {
  return db
    .select({ id: whitelistRule.id, expression: whitelistRule.expression })
    .from(whitelistRule)
    .where(
      and(
        eq(whitelistRule.mspId, mspId),
        eq(whitelistRule.enabled, true),
        or(isNull(whitelistRule.expiresAt), gt(whitelistRule.expiresAt, now)),
        or(isNull(whitelistRule.tenantId), eq(whitelistRule.tenantId, tenantId)),
      ),
    )
    .orderBy(asc(whitelistRule.createdAt), asc(whitelistRule.id));
}

/**
 * Auto-ignore: the detection engine calls this with the events it just created. Each open event
 * that an active rule matches is ignored at once (status, the rule, the time) and the rule's
 * hits go up; the first matching rule, oldest first, takes the credit. Rules are evaluated with
 * the JS compiler over the same record the Report table's SQL sees, so a dry run and this agree.
 * Returns how many events were ignored.
 */
export async function ignoreByWhitelistRules(
  db: DbOrTx,
  { mspId, tenantId, eventIds, now = new Date() }: { mspId: string; tenantId: string; eventIds: readonly string[]; now?: Date },
): Promise<number> {
  if (eventIds.length === 0) return 0;
  const rules = (await activeRules(db, mspId, tenantId, now)).map((r) => ({ id: r.id, matches: predicateFor(r.expression) }));
  if (rules.length === 0) return 0;
  const events = await loadFilterableEvents(db, eventIds);
  const byRule = new Map<string, string[]>();
  for (const event of events) {
    if (event.status !== 'open' || event.mspId !== mspId || event.tenantId !== tenantId) continue;
    const rule = rules.find((r) => r.matches?.(event));
    if (rule) (byRule.get(rule.id) ?? byRule.set(rule.id, []).get(rule.id)!).push(event.id);
  }
  let ignored = 0;
  for (const [ruleId, ids] of byRule) {
    const done = await db
      .update(securityEvent)
      .set({ status: 'ignored', whitelistRuleId: ruleId, ignoredAt: now, ignoredBy: null })
      .where(and(inArray(securityEvent.id, ids), eq(securityEvent.status, 'open')))
      .returning({ id: securityEvent.id });
    if (done.length > 0)
      await db
        .update(whitelistRule)
        .set({ hits: sql`${whitelistRule.hits} + ${done.length}` })
        .where(eq(whitelistRule.id, ruleId));
    ignored += done.length;
  }
  return ignored;
}
