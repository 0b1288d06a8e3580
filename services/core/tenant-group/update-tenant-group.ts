import { eq } from 'drizzle-orm';
import { tenantGroup } from '../../../db/schema/index.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import {
  checkMemberTenants,
  findTenantGroup,
  isUniqueViolation,
  nameTaken,
  replaceMembers,
  toTenantGroupViews,
  updateTenantGroupInput,
  type UpdateTenantGroupInput,
} from './tenant-group-view.ts';

/**
 * Renames a group, changes its description, or sets its members (the list given replaces the
 * current one); only the fields given change. Triggers scoped to the group cover the new members
 * from the next event on.
 */
export async function updateTenantGroup({ ctx, id, input }: { ctx: Ctx; id: string; input: UpdateTenantGroupInput }) {
  authorize(ctx, 'tenant-group.write');
  const data = updateTenantGroupInput.parse(input ?? {});
  try {
    await ctx.db.transaction(async (tx) => {
      const current = await findTenantGroup(tx, ctx, id, 'update');
      const members = data.tenantIds !== undefined ? await checkMemberTenants(tx, ctx, data.tenantIds) : undefined;
      await tx
        .update(tenantGroup)
        .set({
          ...(data.name !== undefined ? { name: data.name } : {}),
          ...(data.description !== undefined ? { description: data.description } : {}),
          updatedAt: new Date(),
        })
        .where(eq(tenantGroup.id, current.id));
      if (members) await replaceMembers(tx, current.id, members);
      await writeAudit(
        tx,
        ctx,
        'tenant_group.update',
        { type: 'tenant_group', id: current.id },
        {
          ...(data.name !== undefined && data.name !== current.name ? { from: current.name, name: data.name } : {}),
          ...(data.description !== undefined ? { description: data.description } : {}),
          ...(members ? { tenantIds: members } : {}),
        },
      );
    });
  } catch (error) {
    if (isUniqueViolation(error) && data.name !== undefined) throw nameTaken(data.name);
    throw error;
  }
  return (await toTenantGroupViews(ctx.db, ctx, [await findTenantGroup(ctx.db, ctx, id)]))[0]!;
}

/** Sets a group's members: the list replaces the current one. */
export async function setTenantGroupMembers({ ctx, id, tenantIds }: { ctx: Ctx; id: string; tenantIds: readonly string[] }) {
  return updateTenantGroup({ ctx, id, input: { tenantIds: [...tenantIds] } });
}
