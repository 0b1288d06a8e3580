import { and, asc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { tenantGroupMember, trigger, triggerAction, type TriggerKind } from '../../db/schema/index.ts';
import { compileToPredicate, parseFilter, type FilterableEvent } from '../language/index.ts';

export type TriggerRow = typeof trigger.$inferSelect;
export type TriggerActionRow = typeof triggerAction.$inferSelect;
export type LoadedTrigger = TriggerRow & {
  actions: TriggerActionRow[];
  matches: (event: FilterableEvent) => boolean;
  /** The members of the trigger's groups when it was loaded (in the event's transaction). */
  groupTenantIds: ReadonlySet<string>;
};

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

/**
 * The MSP's enabled triggers of one kind (`event` unless said) with their actions (in order),
 * compiled conditions and the members of the groups they are scoped to. Called in the transaction that stores the event, so group
 * membership is read as it is at that moment: a tenant added to a group later is covered from then on.
 */
export async function loadEnabledTriggers(db: DbOrTx, mspId: string, kind: TriggerKind = 'event'): Promise<LoadedTrigger[]> {
  const triggers = await db
    .select()
    .from(trigger)
    .where(and(eq(trigger.mspId, mspId), eq(trigger.enabled, true), eq(trigger.kind, kind)))
    .orderBy(asc(trigger.id));
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
  const groupIds = [...new Set(triggers.flatMap((t) => t.tenantGroupIds ?? []))];
  const members = groupIds.length
    ? await db
        .select({ groupId: tenantGroupMember.groupId, tenantId: tenantGroupMember.tenantId })
        .from(tenantGroupMember)
        .where(inArray(tenantGroupMember.groupId, groupIds))
    : [];
  return triggers.map((t) => {
    const groups = new Set(t.tenantGroupIds ?? []);
    return {
      ...t,
      actions: actions.filter((a) => a.triggerId === t.id),
      matches: conditionPredicate(t.condition),
      groupTenantIds: new Set(members.filter((m) => groups.has(m.groupId)).map((m) => m.tenantId)),
    };
  });
}

/**
 * Whether a trigger's scope covers a tenant: every tenant when it names no tenant and no group;
 * otherwise the tenants named and the members of its groups. A group with no members covers
 * nothing (never every tenant). Tenantwatch's own events (`tenantId` null) are covered only by
 * triggers over every tenant.
 */
export function inScope(t: Pick<TriggerRow, 'tenantIds' | 'tenantGroupIds'> & { groupTenantIds?: ReadonlySet<string> }, tenantId: string | null): boolean {
  const named = t.tenantIds ?? [];
  const groups = t.tenantGroupIds ?? [];
  if (named.length === 0 && groups.length === 0) return true;
  if (tenantId === null) return false;
  return named.includes(tenantId) || (t.groupTenantIds?.has(tenantId) ?? false);
}
