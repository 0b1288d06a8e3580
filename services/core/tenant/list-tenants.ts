import { and, asc, eq, gt, inArray, or } from 'drizzle-orm';
import { z } from 'zod';
import { collectorCheckpoint, tenant } from '../../../db/schema/index.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { listCursor, pageInput } from '../pagination.ts';
import { toTenantView } from './tenant-view.ts';

const cursorShape = z.tuple([z.string(), z.uuid()]);

/** Tenants of the MSP by name, keyset-paged, each with its collector status per source (for the health column). */
export async function listTenants({ ctx, input }: { ctx: Ctx; input: z.input<typeof pageInput> }) {
  authorize(ctx, 'tenant.read');
  const { limit, cursor } = pageInput.parse(input);
  const pages = listCursor(ctx, 'tenants:name', cursorShape);
  const after = pages.decode(cursor);
  const rows = await ctx.db
    .select()
    .from(tenant)
    .where(and(eq(tenant.mspId, ctx.msp), after ? or(gt(tenant.name, after[0]), and(eq(tenant.name, after[0]), gt(tenant.id, after[1]))) : undefined))
    .orderBy(asc(tenant.name), asc(tenant.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const checkpoints =
    page.length > 0
      ? await ctx.db
          .select()
          .from(collectorCheckpoint)
          .where(
            inArray(
              collectorCheckpoint.tenantId,
              page.map((r) => r.id),
            ),
          )
      : [];
  return {
    items: page.map((r) =>
      toTenantView(
        r,
        checkpoints.filter((c) => c.tenantId === r.id),
      ),
    ),
    nextCursor: rows.length > limit && last ? pages.encode([last.name, last.id]) : null,
  };
}
