import { and, eq, ne, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { collectorCheckpoint, tenant } from '../../db/schema/index.ts';
import { COLLECTED_SOURCES } from './collect-tenant.ts';

/**
 * Tenants (not disabled) with a source due now: its interval has passed and it is not backing
 * off, or it has never been attempted (no checkpoint yet: a new tenant, or a new source).
 * The worker's `collect.schedule` job queues one collection for each.
 */
export async function dueTenants(db: Db, intervalMinutes: number, now = new Date()): Promise<string[]> {
  const intervalAgo = new Date(now.getTime() - intervalMinutes * 60_000);
  // next_attempt_at set: backing off until then, or (set by a webhook notification) due now.
  // Unset: due when the poll interval has passed.
  const sourceDue = sql`exists (select 1 from ${collectorCheckpoint} c where c.tenant_id = ${tenant.id}
    and (c.next_attempt_at <= ${now}
      or (c.next_attempt_at is null and (c.last_attempt_at is null or c.last_attempt_at <= ${intervalAgo}))))`;
  const neverAttempted = sql`(select count(*) from ${collectorCheckpoint} c where c.tenant_id = ${tenant.id}) < ${COLLECTED_SOURCES.length}`;
  const rows = await db
    .select({ id: tenant.id })
    .from(tenant)
    .where(and(ne(tenant.status, 'disabled'), eq(tenant.importOnly, false), or(sourceDue, neverAttempted)));
  return rows.map((r) => r.id);
}
