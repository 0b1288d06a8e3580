import { asc, eq } from 'drizzle-orm';
import { trigger, triggerAction } from '../../../db/schema/index.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { findTrigger, toTriggerViews } from './trigger-view.ts';

/**
 * A copy of a trigger (a default one included) with its actions and secrets, named
 * "Copy of …" and off, so it can be changed before it sends anything.
 */
export async function cloneTrigger({ ctx, id }: { ctx: Ctx; id: string }) {
  authorize(ctx, 'trigger.write');
  const source = await findTrigger(ctx, id);
  const actions = await ctx.db.select().from(triggerAction).where(eq(triggerAction.triggerId, id)).orderBy(asc(triggerAction.position));
  const createdBy = ctx.actor.type === 'user' ? ctx.actor.id : ctx.actor.type === 'token' ? ctx.actor.userId : null;
  const newId = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(trigger)
      .values({
        mspId: ctx.msp,
        name: `Copy of ${source.name}`.slice(0, 200),
        kind: source.kind,
        condition: source.condition,
        scoreBand: source.scoreBand,
        cron: source.cron,
        timeZone: source.timeZone,
        nextRunAt: source.nextRunAt,
        enabled: false,
        tenantIds: source.tenantIds,
        tenantGroupIds: source.tenantGroupIds,
        deliveryMode: source.deliveryMode,
        gatherMinutes: source.gatherMinutes,
        createdBy,
      })
      .returning();
    if (actions.length > 0) {
      await tx
        .insert(triggerAction)
        .values(actions.map((a) => ({ triggerId: row!.id, mspId: ctx.msp, kind: a.kind, config: a.config, secretEnc: a.secretEnc, position: a.position })));
    }
    await writeAudit(tx, ctx, 'trigger.clone', { type: 'trigger', id: row!.id }, { from: source.id, name: row!.name });
    return row!.id;
  });
  return (await toTriggerViews(ctx.db, [await findTrigger(ctx, newId)]))[0]!;
}
