import { asc, eq } from 'drizzle-orm';
import { trigger } from '../../../db/schema/index.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { findTrigger, toTriggerViews } from './trigger-view.ts';

/** The MSP's triggers by name (an MSP has tens, not thousands: one page). */
export async function listTriggers({ ctx }: { ctx: Ctx }) {
  authorize(ctx, 'trigger.read');
  const rows = await ctx.db.select().from(trigger).where(eq(trigger.mspId, ctx.msp)).orderBy(asc(trigger.name), asc(trigger.id));
  return { items: await toTriggerViews(ctx.db, rows), nextCursor: null };
}

export async function getTrigger({ ctx, id }: { ctx: Ctx; id: string }) {
  authorize(ctx, 'trigger.read');
  return (await toTriggerViews(ctx.db, [await findTrigger(ctx, id)]))[0]!;
}
