import { asc, eq } from 'drizzle-orm';
import { tenantGroup } from '../../../db/schema/index.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { findTenantGroup, toTenantGroupViews } from './tenant-group-view.ts';

/** The MSP's tenant groups by name with their members (an MSP has tens of groups: one page). */
export async function listTenantGroups({ ctx }: { ctx: Ctx }) {
  authorize(ctx, 'tenant-group.read');
  const rows = await ctx.db.select().from(tenantGroup).where(eq(tenantGroup.mspId, ctx.msp)).orderBy(asc(tenantGroup.name), asc(tenantGroup.id));
  return { items: await toTenantGroupViews(ctx.db, ctx, rows), nextCursor: null };
}

export async function getTenantGroup({ ctx, id }: { ctx: Ctx; id: string }) {
  authorize(ctx, 'tenant-group.read');
  return (await toTenantGroupViews(ctx.db, ctx, [await findTenantGroup(ctx.db, ctx, id)]))[0]!;
}
