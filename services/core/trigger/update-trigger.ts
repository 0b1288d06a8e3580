import { asc, eq } from 'drizzle-orm';
import { trigger, triggerAction } from '../../../db/schema/index.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { checkAction, checkCondition, updateTriggerInput, type UpdateTriggerInput } from './trigger-input.ts';
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
  if (data.condition !== undefined) checkCondition(data.condition);
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
  await ctx.db.transaction(async (tx) => {
    if (data.tenantGroupIds !== undefined) await checkGroups(tx, ctx, data.tenantGroupIds);
    await tx
      .update(trigger)
      .set({
        ...(data.name !== undefined ? { name: data.name } : {}),
        ...(data.condition !== undefined ? { condition: data.condition } : {}),
        ...(data.enabled !== undefined ? { enabled: data.enabled } : {}),
        ...(data.tenantIds !== undefined ? { tenantIds: scopeList(data.tenantIds) } : {}),
        ...(data.tenantGroupIds !== undefined ? { tenantGroupIds: scopeList(data.tenantGroupIds) } : {}),
        ...(data.deliveryMode !== undefined ? { deliveryMode: data.deliveryMode } : {}),
        ...(data.gatherMinutes !== undefined ? { gatherMinutes: data.gatherMinutes } : {}),
        updatedAt: new Date(),
      })
      .where(eq(trigger.id, current.id));
    if (actions) await writeActions(tx, ctx.secrets, current, actions);
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
