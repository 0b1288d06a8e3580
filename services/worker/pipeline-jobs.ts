import { and, ne, or, sql } from 'drizzle-orm';
import { collectorCheckpoint, tenant } from '../../db/schema/index.ts';
import { COLLECTED_SOURCES, collectTenant } from '../collector/collect-tenant.ts';
import type { TokenProvider } from '../collector/microsoft/token-provider.ts';
import type { JobDefinition, JobDeps } from './jobs.ts';
import type { PgBoss } from './queue.ts';

/** The pipeline's jobs need the queue (to hand work on) and Microsoft's clients. Node only. */
export type PipelineDeps = JobDeps & { boss: PgBoss; tokens: TokenProvider };

/**
 * Table of contents of the pipeline: queue name → the verb it runs. Detection, enrichment,
 * notification and ticketing add their queues here.
 */
export const PIPELINE_JOBS = {
  /**
   * Every minute: queue a collection for each tenant with a source that is due (its poll
   * interval has passed and it is not backing off). One queued and one running job per tenant
   * at most (`stately` + singleton key), so a tenant is never collected twice at once.
   */
  'collect.schedule': {
    schedule: '* * * * *',
    run: async (_data: unknown, { database, boss, config }) => {
      const tenantIds = await dueTenants(database.db, config.collect.intervalMinutes);
      for (const tenantId of tenantIds) await boss.send('collect.tenant', { tenantId }, { singletonKey: tenantId });
      return { queued: tenantIds.length };
    },
  },
  'collect.tenant': {
    policy: 'stately',
    // A failed pass is retried by the next schedule, with each source's own backoff.
    retryLimit: 0,
    run: async (data: unknown, { database, log, config, tokens }) => {
      const { tenantId } = data as { tenantId: string };
      const results = await collectTenant({ db: database.db, config, tokens, log }, tenantId);
      const inserted = results.reduce((n, r) => n + (r.status === 'collected' ? r.inserted : 0), 0);
      const failed = results.filter((r) => r.status === 'failed').map((r) => r.source);
      log.info({ tenantId, inserted, failed }, 'collection pass done');
      return { inserted, failed };
    },
  },
} satisfies Record<string, JobDefinition<unknown, PipelineDeps>>;

/**
 * Tenants (not disabled) with a source due now: its interval has passed and it is not backing
 * off, or it has never been attempted (no checkpoint yet: a new tenant, or a new source).
 */
export async function dueTenants(db: JobDeps['database']['db'], intervalMinutes: number, now = new Date()): Promise<string[]> {
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
    .where(and(ne(tenant.status, 'disabled'), or(sourceDue, neverAttempted)));
  return rows.map((r) => r.id);
}
