import { and, desc, eq, lt, or } from 'drizzle-orm';
import { z } from 'zod';
import { activityQuarantine } from '../../../db/schema/index.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { listCursor, pageInput } from '../pagination.ts';

const cursorShape = z.tuple([z.iso.datetime({ offset: true }), z.uuid()]);

/** A tenant's quarantined records (newest first), scoped to the MSP. */
export async function listQuarantine({ ctx, tenantId, input }: { ctx: Ctx; tenantId: string; input: z.input<typeof pageInput> }) {
  authorize(ctx, 'tenant.read');
  const { limit, cursor } = pageInput.parse(input);
  const pages = listCursor(ctx, `quarantine:${tenantId}`, cursorShape);
  const after = pages.decode(cursor);
  const rows = await ctx.db
    .select()
    .from(activityQuarantine)
    .where(
      and(
        eq(activityQuarantine.mspId, ctx.msp),
        eq(activityQuarantine.tenantId, tenantId),
        after
          ? or(
              lt(activityQuarantine.createdAt, new Date(after[0])),
              and(eq(activityQuarantine.createdAt, new Date(after[0])), lt(activityQuarantine.id, after[1])),
            )
          : undefined,
      ),
    )
    .orderBy(desc(activityQuarantine.createdAt), desc(activityQuarantine.id))
    .limit(limit + 1);
  const pageRows = rows.slice(0, limit);
  const last = pageRows.at(-1);
  return {
    items: pageRows.map((r) => ({ id: r.id, source: r.source, reason: r.reason, raw: r.raw, createdAt: r.createdAt.toISOString() })),
    nextCursor: rows.length > limit && last ? pages.encode([last.createdAt.toISOString(), last.id]) : null,
  };
}
