import { and, asc, eq, gt, isNull, or } from 'drizzle-orm';
import { z } from 'zod';
import { customDetection } from '../../../db/schema/index.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { listCursor, pageInput } from '../pagination.ts';
import { getTenant } from '../tenant/get-tenant.ts';
import { toCustomDetectionView } from './custom-detection-view.ts';

const cursorShape = z.tuple([z.string(), z.uuid()]);

export const listCustomDetectionsInput = pageInput.extend({
  /** Only those that run for this tenant: its own and the MSP's for every tenant. */
  tenantId: z.uuid().optional(),
});

/** The MSP's custom detections by title, keyset-paged. */
export async function listCustomDetections({ ctx, input }: { ctx: Ctx; input: z.input<typeof listCustomDetectionsInput> }) {
  authorize(ctx, 'detection.read');
  const { limit, cursor, tenantId } = listCustomDetectionsInput.parse(input);
  if (tenantId) await getTenant({ ctx, id: tenantId });
  const pages = listCursor(ctx, 'custom-detections:title', cursorShape);
  const after = pages.decode(cursor);
  const rows = await ctx.db
    .select()
    .from(customDetection)
    .where(
      and(
        eq(customDetection.mspId, ctx.msp),
        tenantId ? or(isNull(customDetection.tenantId), eq(customDetection.tenantId, tenantId)) : undefined,
        after ? or(gt(customDetection.title, after[0]), and(eq(customDetection.title, after[0]), gt(customDetection.id, after[1]))) : undefined,
      ),
    )
    .orderBy(asc(customDetection.title), asc(customDetection.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toCustomDetectionView),
    nextCursor: rows.length > limit && last ? pages.encode([last.title, last.id]) : null,
  };
}
