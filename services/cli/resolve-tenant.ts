import { and, eq, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { tenant } from '../../db/schema/index.ts';
import type { Ctx } from '../core/context.ts';
import { NotFoundError, ValidationError } from '../errors.ts';

/**
 * `--tenant X` accepts what an admin has at hand: Tenantwatch's id, the Microsoft tenant id, the
 * primary domain or the exact name (case-insensitive). Ambiguity is an error, never a guess.
 */
export async function resolveTenant(ctx: Ctx, value: string) {
  const v = value.trim();
  const isUuid = z.uuid().safeParse(v).success;
  const rows = await ctx.db
    .select({ id: tenant.id, name: tenant.name, tenantGuid: tenant.tenantGuid })
    .from(tenant)
    .where(
      and(
        eq(tenant.mspId, ctx.msp),
        or(
          ...(isUuid ? [eq(tenant.id, v), eq(tenant.tenantGuid, v.toLowerCase())] : []),
          eq(sql`lower(${tenant.primaryDomain})`, v.toLowerCase()),
          eq(sql`lower(${tenant.name})`, v.toLowerCase()),
        ),
      ),
    )
    .limit(2);
  if (rows.length === 0)
    throw new NotFoundError(`No tenant matches "${v}": give its id, Microsoft tenant id, primary domain or name (see \`tenantwatch tenant list\`).`);
  if (rows.length > 1) throw new ValidationError(`"${v}" matches several tenants: give the tenant id instead (see \`tenantwatch tenant list\`).`);
  return rows[0]!;
}
