import { tenantGroup } from '../../../db/schema/index.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import {
  checkMemberTenants,
  createTenantGroupInput,
  findTenantGroup,
  isUniqueViolation,
  nameTaken,
  replaceMembers,
  toTenantGroupViews,
  type CreateTenantGroupInput,
} from './tenant-group-view.ts';

/**
 * Creates a tenant group, optionally with its members.
 * @example await createTenantGroup({ ctx, input: { name: 'Healthcare', tenantIds: [contosoId, fabrikamId] } })
 */
export async function createTenantGroup({ ctx, input }: { ctx: Ctx; input: CreateTenantGroupInput }) {
  authorize(ctx, 'tenant-group.write');
  const data = createTenantGroupInput.parse(input);
  let id: string;
  try {
    id = await ctx.db.transaction(async (tx) => {
      const members = await checkMemberTenants(tx, ctx, data.tenantIds);
      const [row] = await tx.insert(tenantGroup).values({ mspId: ctx.msp, name: data.name, description: data.description }).returning();
      await replaceMembers(tx, row!.id, members);
      await writeAudit(tx, ctx, 'tenant_group.create', { type: 'tenant_group', id: row!.id }, { name: data.name, tenantIds: members });
      return row!.id;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(data.name);
    throw error;
  }
  return (await toTenantGroupViews(ctx.db, ctx, [await findTenantGroup(ctx.db, ctx, id)]))[0]!;
}
