import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../../db/client.ts';
import { delivery, tenant, tenantGroup, trigger, triggerAction } from '../../../db/schema/index.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { describeFilter, parseFilter } from '../../language/index.ts';
import type { Ctx } from '../context.ts';

type TriggerRow = typeof trigger.$inferSelect;
type ActionRow = typeof triggerAction.$inferSelect;

/** The trigger row of the caller's MSP; 404 for another MSP's id or a malformed one. */
export async function findTrigger(ctx: Pick<Ctx, 'msp' | 'db'>, id: string): Promise<TriggerRow> {
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('Trigger not found.');
  const [row] = await ctx.db
    .select()
    .from(trigger)
    .where(and(eq(trigger.id, id), eq(trigger.mspId, ctx.msp)))
    .limit(1);
  if (!row) throw new NotFoundError('Trigger not found.');
  return row;
}

/** Every named tenant must be one of the MSP's (404 for another MSP's, as everywhere). */
export async function checkTenants(db: DbOrTx, ctx: Pick<Ctx, 'msp'>, tenantIds: readonly string[] | null | undefined): Promise<void> {
  if (!tenantIds || tenantIds.length === 0) return;
  const rows = await db
    .select({ id: tenant.id })
    .from(tenant)
    .where(and(eq(tenant.mspId, ctx.msp), inArray(tenant.id, [...tenantIds])));
  if (rows.length !== new Set(tenantIds).size)
    throw new ValidationError('A tenant of the scope was not found.', [{ path: 'tenantIds', message: 'unknown tenant' }]);
}

/**
 * Every named group must be one of the MSP's. Call it in the transaction that saves the trigger:
 * the share lock makes a group being deleted at the same moment wait, so its delete sees the
 * trigger and refuses.
 */
export async function checkGroups(tx: DbOrTx, ctx: Pick<Ctx, 'msp'>, groupIds: readonly string[] | null | undefined): Promise<void> {
  if (!groupIds || groupIds.length === 0) return;
  const rows = await tx
    .select({ id: tenantGroup.id })
    .from(tenantGroup)
    .where(and(eq(tenantGroup.mspId, ctx.msp), inArray(tenantGroup.id, [...groupIds])))
    .for('share');
  if (rows.length !== new Set(groupIds).size)
    throw new ValidationError('A tenant group of the scope was not found.', [{ path: 'tenantGroupIds', message: 'unknown tenant group' }]);
}

/** A scope list as stored: duplicates dropped, empty as null. */
export function scopeList(ids: readonly string[] | null): string[] | null {
  return ids && ids.length > 0 ? [...new Set(ids)] : null;
}

function plainWords(r: TriggerRow): string | null {
  if (r.kind === 'score') return `A user's risk score enters ${r.scoreBand}${r.scoreBand === 'critical' ? '' : ' or above'}`;
  if (r.kind === 'schedule')
    return `On the schedule ${r.cron} (${r.timeZone ?? 'UTC'})${r.condition ? `, events where ${describe(r.condition) ?? r.condition}` : ''}`;
  return describe(r.condition);
}

function describe(condition: string): string | null {
  try {
    return describeFilter(parseFilter(condition));
  } catch {
    return null;
  }
}

/** What the API shows of triggers: actions without their secrets, and how delivery has gone lately. */
export async function toTriggerViews(db: DbOrTx, rows: readonly TriggerRow[]) {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const actions = await db.select().from(triggerAction).where(inArray(triggerAction.triggerId, ids)).orderBy(asc(triggerAction.position));
  const stats = await db
    .select({ triggerId: delivery.triggerId, status: delivery.status, n: count(), last: sql<string | null>`max(${delivery.createdAt})` })
    .from(delivery)
    .where(and(inArray(delivery.triggerId, ids), eq(delivery.isTest, false)))
    .groupBy(delivery.triggerId, delivery.status);
  const tenantIds = [...new Set(rows.flatMap((r) => r.tenantIds ?? []))];
  const names = tenantIds.length ? await db.select({ id: tenant.id, name: tenant.name }).from(tenant).where(inArray(tenant.id, tenantIds)) : [];
  const groupIds = [...new Set(rows.flatMap((r) => r.tenantGroupIds ?? []))];
  const groupNames = groupIds.length
    ? await db.select({ id: tenantGroup.id, name: tenantGroup.name }).from(tenantGroup).where(inArray(tenantGroup.id, groupIds))
    : [];
  return rows.map((r) => {
    const mine = stats.filter((s) => s.triggerId === r.id);
    const n = (status: string) => mine.filter((s) => s.status === status).reduce((a, s) => a + Number(s.n), 0);
    const lastTimes = mine
      .map((s) => s.last)
      .filter((v): v is string => v !== null)
      .map((v) => new Date(v).getTime());
    return {
      id: r.id,
      name: r.name,
      kind: r.kind,
      condition: r.condition,
      description: plainWords(r),
      scoreBand: r.scoreBand,
      cron: r.cron,
      timeZone: r.timeZone,
      nextRunAt: r.nextRunAt?.toISOString() ?? null,
      lastRunAt: r.lastRunAt?.toISOString() ?? null,
      enabled: r.enabled,
      tenantIds: r.tenantIds ?? null,
      tenants: (r.tenantIds ?? []).map((id) => ({ id, name: names.find((n) => n.id === id)?.name ?? null })),
      tenantGroupIds: r.tenantGroupIds ?? null,
      tenantGroups: (r.tenantGroupIds ?? []).map((id) => ({ id, name: groupNames.find((n) => n.id === id)?.name ?? null })),
      deliveryMode: r.deliveryMode,
      gatherMinutes: r.gatherMinutes,
      builtinKey: r.builtinKey,
      actions: actions.filter((a) => a.triggerId === r.id).map(toActionView),
      deliveries: {
        delivered: n('delivered'),
        pending: n('pending') + n('sending') + n('failed'),
        failed: n('failed'),
        dead: n('dead'),
        lastAt: lastTimes.length ? new Date(Math.max(...lastTimes)).toISOString() : null,
      },
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
    };
  });
}

export type TriggerView = Awaited<ReturnType<typeof toTriggerViews>>[number];

function toActionView(a: ActionRow) {
  return { id: a.id, kind: a.kind, settings: a.config, hasSecret: a.secretEnc !== null };
}
