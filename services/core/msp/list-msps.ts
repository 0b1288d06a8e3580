import { asc, count, eq, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { appUser, msp, tenant } from '../../../db/schema/index.ts';

/**
 * Every MSP on the installation, for its operator (`tenantwatch msp list`): not scoped to one
 * MSP, so it is never reachable through the API.
 */
export async function listMsps(db: Db) {
  const users = db
    .select({
      mspId: appUser.mspId,
      users: count().as('users'),
      owner: sql<string | null>`min(${appUser.email}) filter (where ${appUser.role} = 'owner' and ${appUser.status} = 'active')`.as('owner'),
    })
    .from(appUser)
    .groupBy(appUser.mspId)
    .as('users');
  const tenants = db
    .select({ mspId: tenant.mspId, tenants: count().as('tenants'), demo: sql<boolean>`bool_or(${tenant.isDemo})`.as('demo') })
    .from(tenant)
    .groupBy(tenant.mspId)
    .as('tenants');
  const rows = await db
    .select({ id: msp.id, name: msp.name, createdAt: msp.createdAt, owner: users.owner, users: users.users, tenants: tenants.tenants, demo: tenants.demo })
    .from(msp)
    .leftJoin(users, eq(users.mspId, msp.id))
    .leftJoin(tenants, eq(tenants.mspId, msp.id))
    .orderBy(asc(msp.createdAt), asc(msp.id));
  return rows.map((r) => ({ ...r, users: Number(r.users ?? 0), tenants: Number(r.tenants ?? 0), demo: Boolean(r.demo) }));
}
