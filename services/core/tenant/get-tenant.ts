import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { collectorCheckpoint, tenant } from '../../../db/schema/index.ts';
import { NotFoundError } from '../../errors.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { toTenantView } from './tenant-view.ts';

/** One tenant with its collector status per source. Another MSP's tenant is simply not found. */
export async function getTenant({ ctx, id }: { ctx: Ctx; id: string }) {
  authorize(ctx, 'tenant.read');
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('Tenant not found.');
  const [row] = await ctx.db
    .select()
    .from(tenant)
    .where(and(eq(tenant.id, id), eq(tenant.mspId, ctx.msp)))
    .limit(1);
  if (!row) throw new NotFoundError('Tenant not found.');
  const checkpoints = await ctx.db.select().from(collectorCheckpoint).where(eq(collectorCheckpoint.tenantId, row.id));
  return toTenantView(row, checkpoints);
}
