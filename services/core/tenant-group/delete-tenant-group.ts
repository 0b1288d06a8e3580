import { eq } from 'drizzle-orm';
import { tenantGroup } from '../../../db/schema/index.ts';
import { ConflictError } from '../../errors.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { findTenantGroup, triggersUsingGroup } from './tenant-group-view.ts';

/**
 * Deletes a tenant group. A group that a trigger's scope names is kept: the trigger would
 * otherwise silently stop covering the group's tenants. The row lock makes a trigger saved at
 * the same moment wait for the answer (it locks the group to share).
 */
export async function deleteTenantGroup({ ctx, id }: { ctx: Ctx; id: string }) {
  authorize(ctx, 'tenant-group.write');
  await ctx.db.transaction(async (tx) => {
    const current = await findTenantGroup(tx, ctx, id, 'update');
    const users = await triggersUsingGroup(tx, ctx, current.id);
    if (users.length > 0) {
      const names = users.map((t) => `"${t.name}"`).join(', ');
      throw new ConflictError(
        `The group "${current.name}" is the scope of ${users.length === 1 ? 'the trigger' : 'the triggers'} ${names}; change ${users.length === 1 ? 'its' : 'their'} scope first, then delete the group.`,
      );
    }
    await tx.delete(tenantGroup).where(eq(tenantGroup.id, current.id));
    await writeAudit(tx, ctx, 'tenant_group.delete', { type: 'tenant_group', id: current.id }, { name: current.name });
  });
}
