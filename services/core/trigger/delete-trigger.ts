import { eq } from 'drizzle-orm';
import { trigger } from '../../../db/schema/index.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { findTrigger } from './trigger-view.ts';

/**
 * Deletes a trigger and its actions. Its delivery history stays (the rows keep what was sent);
 * deliveries not yet sent still go out: they were promised when the event matched.
 */
export async function deleteTrigger({ ctx, id }: { ctx: Ctx; id: string }) {
  authorize(ctx, 'trigger.write');
  const current = await findTrigger(ctx, id);
  await ctx.db.transaction(async (tx) => {
    await tx.delete(trigger).where(eq(trigger.id, current.id));
    await writeAudit(tx, ctx, 'trigger.delete', { type: 'trigger', id: current.id }, { name: current.name });
  });
}
