import { asc, eq } from 'drizzle-orm';
import { trigger, triggerAction, triggerScoreState } from '../../../db/schema/index.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { checkAction, checkKindFields, updateTriggerInput, type UpdateTriggerInput } from './trigger-input.ts';
import { checkGroups, checkTenants, findTrigger, scopeList, toTriggerViews } from './trigger-view.ts';
import { writeActions } from './write-actions.ts';

/**
 * Changes a trigger; only the fields given change. Actions, when given, replace the list; a web
 * request sent without a secret keeps the one at the same position.
 */
export async function updateTrigger({ ctx, id, input }: { ctx: Ctx; id: string; input: UpdateTriggerInput }) {
  authorize(ctx, 'trigger.write');
  const data = updateTriggerInput.parse(input ?? {});
  const current = await findTrigger(ctx, id);
  if (data.tenantIds !== undefined) await checkTenants(ctx.db, ctx, data.tenantIds);
  let actions = null;
  if (data.actions) {
    const existing = await ctx.db.select().from(triggerAction).where(eq(triggerAction.triggerId, id)).orderBy(asc(triggerAction.position));
    actions = data.actions.map((a, i) => {
      const same = existing[i];
      const kept = same && same.kind === a.kind && same.secretEnc ? ctx.secrets.open(same.secretEnc) : null;
      return checkAction(a, i, kept);
    });
  }
  const kindFields = await changedKindFields(ctx, current, data);
  await ctx.db.transaction(async (tx) => {
    if (data.tenantGroupIds !== undefined) await checkGroups(tx, ctx, data.tenantGroupIds);
    await tx
      .update(trigger)
      .set({
        ...(data.name !== undefined ? { name: data.name } : {}),
        ...(kindFields ?? {}),
        ...(data.enabled !== undefined ? { enabled: data.enabled } : {}),
        ...(data.tenantIds !== undefined ? { tenantIds: scopeList(data.tenantIds) } : {}),
        ...(data.tenantGroupIds !== undefined ? { tenantGroupIds: scopeList(data.tenantGroupIds) } : {}),
        ...(data.deliveryMode !== undefined ? { deliveryMode: data.deliveryMode } : {}),
        ...(data.gatherMinutes !== undefined ? { gatherMinutes: data.gatherMinutes } : {}),
        updatedAt: new Date(),
      })
      .where(eq(trigger.id, current.id));
    if (actions) await writeActions(tx, ctx.secrets, current, actions);
    // Another band or kind: what each user's state said no longer holds; the next evaluation starts afresh.
    if (kindFields && (kindFields.kind !== current.kind || kindFields.scoreBand !== current.scoreBand))
      await tx.delete(triggerScoreState).where(eq(triggerScoreState.triggerId, current.id));
    const changed = Object.keys(data).filter((k) => data[k as keyof typeof data] !== undefined);
    await writeAudit(
      tx,
      ctx,
      'trigger.update',
      { type: 'trigger', id: current.id },
      { changed, ...(data.enabled !== undefined ? { enabled: data.enabled } : {}) },
    );
  });
  return (await toTriggerViews(ctx.db, [await findTrigger(ctx, id)]))[0]!;
}

/**
 * The kind's columns when a field they depend on is given (checked as at creation), else null.
 * A schedule's next due time stays unless the schedule changed or the trigger is switched back on.
 */
async function changedKindFields(ctx: Ctx, current: typeof trigger.$inferSelect, data: ReturnType<typeof updateTriggerInput.parse>) {
  const switchedOn = current.kind === 'schedule' && data.enabled === true && !current.enabled;
  const touched = switchedOn || [data.kind, data.condition, data.scoreBand, data.cron, data.timeZone, data.actions].some((v) => v !== undefined);
  if (!touched) return null;
  const actionKinds =
    data.actions?.map((a) => a.kind) ??
    (await ctx.db.select({ kind: triggerAction.kind }).from(triggerAction).where(eq(triggerAction.triggerId, current.id))).map((a) => a.kind);
  const fields = checkKindFields(
    {
      kind: data.kind ?? current.kind,
      condition: data.condition ?? current.condition,
      scoreBand: data.scoreBand !== undefined ? data.scoreBand : current.scoreBand,
      cron: data.cron !== undefined ? data.cron : current.cron,
      timeZone: data.timeZone ?? current.timeZone ?? 'UTC',
    },
    actionKinds,
  );
  const sameSchedule =
    fields.kind === 'schedule' && current.kind === 'schedule' && fields.cron === current.cron && fields.timeZone === current.timeZone && !switchedOn;
  return sameSchedule ? { ...fields, nextRunAt: current.nextRunAt } : fields;
}
