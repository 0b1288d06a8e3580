import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { collectorCheckpoint, tenant } from '../../../db/schema/index.ts';
import { NotFoundError } from '../../errors.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { toTenantView } from './tenant-view.ts';

export const setTenantEnabledInput = z.object({
  enabled: z.boolean().optional().describe('false stops collection (and so detection) for the tenant; true resumes it from where it stopped.'),
});

/**
 * Pauses or resumes a tenant. A disabled tenant is skipped by the collection schedule; turning
 * it back on makes it `pending` until the next check or collection says how it is.
 */
export async function setTenantEnabled({ ctx, id, input }: { ctx: Ctx; id: string; input: z.input<typeof setTenantEnabledInput> }) {
  authorize(ctx, 'tenant.write');
  const { enabled } = setTenantEnabledInput.parse(input);
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('Tenant not found.');
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(tenant)
      .where(and(eq(tenant.id, id), eq(tenant.mspId, ctx.msp)))
      .for('update')
      .limit(1);
    if (!row) throw new NotFoundError('Tenant not found.');
    const isEnabled = row.status !== 'disabled';
    let current = row;
    if (enabled !== undefined && enabled !== isEnabled) {
      const [updated] = await tx
        .update(tenant)
        .set({ status: enabled ? 'pending' : 'disabled', updatedAt: new Date() })
        .where(eq(tenant.id, row.id))
        .returning();
      current = updated!;
      await writeAudit(tx, ctx, enabled ? 'tenant.enable' : 'tenant.disable', { type: 'tenant', id: row.id }, { from: row.status, to: current.status });
    }
    const checkpoints = await tx.select().from(collectorCheckpoint).where(eq(collectorCheckpoint.tenantId, row.id));
    return toTenantView(current, checkpoints);
  });
}
