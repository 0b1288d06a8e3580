import { eq } from 'drizzle-orm';
import { customDetection } from '../../../db/schema/index.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { findCustomDetection } from './get-custom-detection.ts';

/** Removes a custom detection. Events it raised stay (their detection id still names it). */
export async function deleteCustomDetection({ ctx, id }: { ctx: Ctx; id: string }): Promise<void> {
  authorize(ctx, 'custom-detection.write');
  await ctx.db.transaction(async (tx) => {
    const row = await findCustomDetection(tx, ctx, id, { forUpdate: true });
    await tx.delete(customDetection).where(eq(customDetection.id, row.id));
    await writeAudit(tx, ctx, 'custom-detection.delete', { type: 'custom_detection', id: row.id }, { title: row.title, expression: row.expression });
  });
}
