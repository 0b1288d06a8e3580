import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../../db/client.ts';
import { tenant, tenantGroup, tenantGroupMember, trigger } from '../../../db/schema/index.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts';
import type { Ctx } from '../context.ts';

type GroupRow = typeof tenantGroup.$inferSelect;

const groupFields = {
  name: z.string().trim().min(1, 'give the group a name').max(200),
  description: z.string().trim().max(2000),
  /** The member tenants; the list replaces the current members. */
  tenantIds: z.array(z.uuid()).max(10_000),
};

export const createTenantGroupInput = z.object({
  name: groupFields.name,
  description: groupFields.description.default(''),
  tenantIds: groupFields.tenantIds.default([]),
});
export type CreateTenantGroupInput = z.input<typeof createTenantGroupInput>;

export const updateTenantGroupInput = z.object({
  name: groupFields.name.optional(),
  description: groupFields.description.optional(),
  tenantIds: groupFields.tenantIds.optional(),
});
export type UpdateTenantGroupInput = z.input<typeof updateTenantGroupInput>;

/** The group of the caller's MSP; 404 for another MSP's id or a malformed one, alike. */
export async function findTenantGroup(db: DbOrTx, ctx: Pick<Ctx, 'msp'>, id: string, lock?: 'update'): Promise<GroupRow> {
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('Tenant group not found.');
  const query = db
    .select()
    .from(tenantGroup)
    .where(and(eq(tenantGroup.id, id), eq(tenantGroup.mspId, ctx.msp)))
    .limit(1);
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw new NotFoundError('Tenant group not found.');
  return row;
}

/** Every named tenant must be one of the MSP's (another MSP's reads as unknown, as everywhere). */
export async function checkMemberTenants(db: DbOrTx, ctx: Pick<Ctx, 'msp'>, tenantIds: readonly string[]): Promise<string[]> {
  const unique = [...new Set(tenantIds)];
  if (unique.length === 0) return [];
  const rows = await db
    .select({ id: tenant.id })
    .from(tenant)
    .where(and(eq(tenant.mspId, ctx.msp), inArray(tenant.id, unique)));
  if (rows.length !== unique.length) throw new ValidationError('A member tenant was not found.', [{ path: 'tenantIds', message: 'unknown tenant' }]);
  return unique;
}

/** Replaces the group's members (inside the caller's transaction). */
export async function replaceMembers(tx: DbOrTx, groupId: string, tenantIds: readonly string[]): Promise<void> {
  await tx.delete(tenantGroupMember).where(eq(tenantGroupMember.groupId, groupId));
  if (tenantIds.length > 0) await tx.insert(tenantGroupMember).values(tenantIds.map((tenantId) => ({ groupId, tenantId })));
}

/** A name already taken in the MSP, said in plain words. */
export function nameTaken(name: string): ConflictError {
  return new ConflictError(`A tenant group named "${name}" already exists; choose another name.`);
}

export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

/** The MSP's triggers whose scope names the group. */
export async function triggersUsingGroup(db: DbOrTx, ctx: Pick<Ctx, 'msp'>, groupId: string) {
  return db
    .select({ id: trigger.id, name: trigger.name })
    .from(trigger)
    .where(and(eq(trigger.mspId, ctx.msp), sql`${groupId}::uuid = any(${trigger.tenantGroupIds})`))
    .orderBy(asc(trigger.name));
}

/** What the API shows of groups: the members by id and name, and the triggers scoped to each. */
export async function toTenantGroupViews(db: DbOrTx, ctx: Pick<Ctx, 'msp'>, rows: readonly GroupRow[]) {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const members = await db
    .select({ groupId: tenantGroupMember.groupId, id: tenant.id, name: tenant.name })
    .from(tenantGroupMember)
    .innerJoin(tenant, eq(tenant.id, tenantGroupMember.tenantId))
    .where(inArray(tenantGroupMember.groupId, ids))
    .orderBy(asc(tenant.name), asc(tenant.id));
  const triggers = await db
    .select({ id: trigger.id, name: trigger.name, groupIds: trigger.tenantGroupIds })
    .from(trigger)
    .where(
      and(
        eq(trigger.mspId, ctx.msp),
        sql`${trigger.tenantGroupIds} && array[${sql.join(
          ids.map((id) => sql`${id}`),
          sql`, `,
        )}]::uuid[]`,
      ),
    )
    .orderBy(asc(trigger.name));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    tenants: members.filter((m) => m.groupId === r.id).map((m) => ({ id: m.id, name: m.name })),
    triggers: triggers.filter((t) => t.groupIds?.includes(r.id)).map((t) => ({ id: t.id, name: t.name })),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }));
}

export type TenantGroupView = Awaited<ReturnType<typeof toTenantGroupViews>>[number];
