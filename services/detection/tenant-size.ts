/**
 * The tenant size detection scales small-tenant thresholds by (rules/lib/tenant-size.ts). The
 * collector reads the directory's user count; an import-only tenant has no access to read it,
 * so its size is estimated from the accounts its imported activity names: the distinct user
 * principal names seen. Sprayed names that do not exist count too, which errs towards a larger
 * tenant (higher thresholds), never a smaller one.
 */
import { and, eq, like, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { activity } from '../../db/schema/index.ts';

export async function tenantUserCount(tx: Tx, row: { id: string; userCount: number | null; importOnly: boolean }): Promise<number | null> {
  if (row.userCount !== null || !row.importOnly) return row.userCount;
  const [seen] = await tx
    .select({ users: sql<number>`count(distinct ${activity.actorUpn})::int` })
    .from(activity)
    .where(and(eq(activity.tenantId, row.id), like(activity.actorUpn, '%@%')));
  return seen && seen.users > 0 ? seen.users : null;
}
