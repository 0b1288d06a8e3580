import { eq } from 'drizzle-orm';
import { customDetection } from '../../../db/schema/index.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { getTenant } from '../tenant/get-tenant.ts';
import { parseCustomExpression, updateCustomDetectionInput, type UpdateCustomDetectionInput } from './custom-detection-input.ts';
import { toCustomDetectionView } from './custom-detection-view.ts';
import { findCustomDetection } from './get-custom-detection.ts';

/**
 * Changes a custom detection; fields left out stay as they are. The engine picks the change up
 * with its next batch (its compiled expressions are keyed by `updated_at`). Events already
 * raised keep the title, severity and runbook they were raised with.
 */
export async function updateCustomDetection({ ctx, id, input }: { ctx: Ctx; id: string; input: UpdateCustomDetectionInput }) {
  authorize(ctx, 'custom-detection.write');
  const data = updateCustomDetectionInput.parse(input);
  if (data.expression !== undefined) parseCustomExpression(data.expression);
  if (data.tenantId) await getTenant({ ctx, id: data.tenantId });
  return ctx.db.transaction(async (tx) => {
    const before = await findCustomDetection(tx, ctx, id, { forUpdate: true });
    const changed = Object.keys(data).filter((k) => JSON.stringify(data[k as keyof typeof data]) !== JSON.stringify(before[k as keyof typeof before]));
    if (changed.length === 0) return toCustomDetectionView(before);
    const [row] = await tx
      .update(customDetection)
      .set({ ...data, updatedAt: new Date() })
      .where(eq(customDetection.id, before.id))
      .returning();
    await writeAudit(
      tx,
      ctx,
      'custom-detection.update',
      { type: 'custom_detection', id: before.id },
      { changed, ...(data.expression !== undefined ? { expression: data.expression } : {}) },
    );
    return toCustomDetectionView(row!);
  });
}
