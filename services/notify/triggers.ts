import { and, asc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { trigger, triggerAction } from '../../db/schema/index.ts';
import { compileToPredicate, parseFilter, type FilterableEvent } from '../language/index.ts';

export type TriggerRow = typeof trigger.$inferSelect;
export type TriggerActionRow = typeof triggerAction.$inferSelect;
export type LoadedTrigger = TriggerRow & { actions: TriggerActionRow[]; matches: (event: FilterableEvent) => boolean };

/** Compiled conditions by text: the same condition text compiles once per process. */
const compiled = new Map<string, (event: FilterableEvent) => boolean>();
const COMPILED_MAX = 2000;

/**
 * A condition as a predicate. A condition that no longer parses (a field renamed since it was
 * saved) matches nothing rather than everything.
 */
export function conditionPredicate(condition: string): (event: FilterableEvent) => boolean {
  let predicate = compiled.get(condition);
  if (!predicate) {
    try {
      predicate = compileToPredicate(parseFilter(condition));
    } catch {
      predicate = () => false;
    }
    if (compiled.size >= COMPILED_MAX) compiled.clear();
    compiled.set(condition, predicate);
  }
  return predicate;
}

/** The MSP's enabled triggers with their actions (in order) and compiled conditions. */
export async function loadEnabledTriggers(db: DbOrTx, mspId: string): Promise<LoadedTrigger[]> {
  const triggers = await db
    .select()
    .from(trigger)
    .where(and(eq(trigger.mspId, mspId), eq(trigger.enabled, true)));
  if (triggers.length === 0) return [];
  const actions = await db
    .select()
    .from(triggerAction)
    .where(
      inArray(
        triggerAction.triggerId,
        triggers.map((t) => t.id),
      ),
    )
    .orderBy(asc(triggerAction.position));
  return triggers.map((t) => ({ ...t, actions: actions.filter((a) => a.triggerId === t.id), matches: conditionPredicate(t.condition) }));
}

/**
 * Whether a trigger's scope covers a tenant: every tenant when it names none. Tenantwatch's own
 * events (`tenantId` null) are covered only by triggers over every tenant.
 */
export function inScope(t: Pick<TriggerRow, 'tenantIds'>, tenantId: string | null): boolean {
  if (!t.tenantIds || t.tenantIds.length === 0) return true;
  return tenantId !== null && t.tenantIds.includes(tenantId);
}
