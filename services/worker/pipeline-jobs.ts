import { and, asc, eq, gte, lt, ne, notExists, or, sql } from 'drizzle-orm';
import { endpointsFor } from '../microsoft/endpoints.ts';
import { activity, collectorCheckpoint, detectionProcessed, tenant } from '../../db/schema/index.ts';
import { COLLECTED_SOURCES, collectTenant } from '../collector/collect-tenant.ts';
import { detectActivity } from '../detection/engine.ts';
import type { TokenProvider } from '../microsoft/token-provider.ts';
import type { JobDefinition, JobDeps } from './jobs.ts';
import type { IpIntelService } from '../../enrichment/ip/index.ts';
import { createEntityLookup, type EntityLookup } from '../../enrichment/lookup.ts';
import { enrichEvent, eventsWithPendingEntities, staleEnrichments, TenantSlots } from '../../enrichment/stage.ts';
import type { PgBoss } from './queue.ts';
import type { Notify } from '../notify/index.ts';

/** The pipeline's jobs need the queue (to hand work on) and Microsoft's clients. Node only. */
export type PipelineDeps = JobDeps & { boss: PgBoss; tokens: TokenProvider; ipIntel: IpIntelService; notify?: Notify };

/**
 * Expiry of the jobs whose runtime is bounded (one detection batch of `DETECT_BATCH` records,
 * one event's lookups with their timeouts, a sweep's queries): each takes seconds, so 90 s is a
 * wide margin, and with pg-boss's expiry check once a minute (maintenanceIntervalSeconds) a job
 * whose process was killed runs again within about two and a half minutes instead of fifteen.
 */
const BOUNDED_JOB_EXPIRY_SECONDS = 90;

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
    expireInSeconds: BOUNDED_JOB_EXPIRY_SECONDS,
    run: async (_data: unknown, { database, boss, config }) => {
      const tenantIds = await dueTenants(database.db, config.collect.intervalMinutes);
      for (const tenantId of tenantIds) await boss.send('collect.tenant', { tenantId }, { singletonKey: tenantId });
      return { queued: tenantIds.length };
    },
  },
  'collect.tenant': {
    policy: 'stately',
    // Waiting on Microsoft, not on the CPU: many tenants at once keep a cycle of hundreds of
    // tenants within the poll interval.
    concurrency: (config) => config.collect.concurrency,
    // A failed pass is retried by the next schedule, with each source's own backoff.
    retryLimit: 0,
    // pg-boss's 15 minutes: a first back-fill of a large tenant runs long, and an expired pass
    // that still runs would collect the tenant twice at once. A crashed pass is picked up at the
    // next start on PGlite (failOrphanedJobs), on Postgres after this expiry.
    run: async (data: unknown, { database, log, config, tokens, boss }) => {
      const { tenantId } = data as { tenantId: string };
      const results = await collectTenant({ db: database.db, config, tokens, log }, tenantId);
      const insertedIds = results.flatMap((r) => (r.status === 'collected' ? r.insertedIds : []));
      const failed = results.filter((r) => r.status === 'failed').map((r) => r.source);
      log.info({ tenantId, inserted: insertedIds.length, failed }, 'collection pass done');
      // A crash before this send is covered by detect.sweep.
      await sendForDetection(boss, insertedIds);
      return { inserted: insertedIds.length, failed };
    },
  },
  /**
   * Runs the detections over newly stored activity. Idempotent (the engine claims each activity
   * once), so a retried or duplicated job changes nothing.
   */
  'detect.activity': {
    retryLimit: 5,
    expireInSeconds: BOUNDED_JOB_EXPIRY_SECONDS,
    run: async (data: unknown, { database, log, boss, ipIntel }) => {
      const { activityIds } = data as { activityIds: string[] };
      const { eventIds, ...summary } = await detectActivity({ db: database.db, log, ipIntel }, activityIds);
      if (summary.eventsCreated + summary.eventsUpdated > 0) log.info(summary, 'detection raised events');
      // The events are stored; enrichment follows. A crash before this send is covered by enrich.sweep.
      const enrichQueued = await sendForEnrichment(boss, await eventsWithPendingEntities(database.db, eventIds));
      return { ...summary, enrichQueued };
    },
  },
  /**
   * Every 10 minutes: queue detection for activity stored but never detected (a collection
   * pass that crashed between storing and queueing). Nothing collected is left unexamined.
   */
  'detect.sweep': {
    schedule: '*/10 * * * *',
    expireInSeconds: BOUNDED_JOB_EXPIRY_SECONDS,
    run: async (_data: unknown, { database, boss }) => {
      const ids = await undetectedActivity(database.db, await databaseNow(database.db));
      return { queued: ids.length, jobs: await sendForDetection(boss, ids) };
    },
  },
  /**
   * Records the snapshot of each pending entity of one event (enrichment/stage.ts). Pending
   * entities after a transient failure are tried again by a later job, with backoff; an event
   * whose tenant is busy in this process waits a few seconds. One queued job per event at most
   * (`short` + the event id as singleton key), so a repeated send changes nothing.
   */
  'enrich.event': {
    policy: 'short',
    retryLimit: 5,
    expireInSeconds: BOUNDED_JOB_EXPIRY_SECONDS,
    run: async (data: unknown, deps) => {
      const { eventId } = data as { eventId: string };
      const outcome = await enrichEvent({ db: deps.database.db, lookup: entityLookup(deps), log: deps.log, slots: ENRICH_SLOTS }, eventId);
      if (outcome.deferred) await sendForEnrichment(deps.boss, [eventId], ENRICH_DEFER_SECONDS);
      else if (outcome.retryInSeconds !== null) await sendForEnrichment(deps.boss, [eventId], outcome.retryInSeconds);
      return outcome;
    },
  },
  /**
   * Every 5 minutes: queue enrichment for events with entities still pending and no job on its
   * way (a crash between detection and queueing, or during a lookup). Events with a retry
   * already queued are left to it by the singleton key.
   */
  'enrich.sweep': {
    schedule: '*/5 * * * *',
    expireInSeconds: BOUNDED_JOB_EXPIRY_SECONDS,
    run: async (_data: unknown, { database, boss }) => {
      const ids = await staleEnrichments(database.db);
      return { queued: await sendForEnrichment(boss, ids) };
    },
  },
} satisfies Record<string, JobDefinition<unknown, PipelineDeps>>;

/** Seconds an event waits when its tenant already has `ENRICH_TENANT_CONCURRENCY` events being enriched here. */
const ENRICH_DEFER_SECONDS = 5;
const ENRICH_SLOTS = new TenantSlots();
const lookups = new WeakMap<TokenProvider, EntityLookup>();

/** One entity lookup per process (per token provider), built from the configuration. */
function entityLookup({ config, tokens, ipIntel }: PipelineDeps): EntityLookup {
  let lookup = lookups.get(tokens);
  if (!lookup) {
    lookup = createEntityLookup({ ...config.microsoft, endpoints: (t) => endpointsFor(config, t), tokens, ipIntel });
    lookups.set(tokens, lookup);
  }
  return lookup;
}

/** Queues enrichment for events, one job each (a no-op for an event that already has one queued). */
export async function sendForEnrichment(boss: PgBoss, eventIds: readonly string[], startAfterSeconds?: number): Promise<number> {
  let queued = 0;
  for (const eventId of eventIds) {
    const id = await boss.send('enrich.event', { eventId }, { singletonKey: eventId, ...(startAfterSeconds !== undefined ? { startAfter: Math.ceil(startAfterSeconds) } : {}) });
    if (id) queued += 1;
  }
  return queued;
}

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

/** Activity ids per `detect.activity` job: one engine batch (one transaction per tenant). */
export const DETECT_BATCH = 1000;

/** Queues detection for activity ids, in batches of `DETECT_BATCH`. */
export async function sendForDetection(boss: PgBoss, activityIds: readonly string[]): Promise<number> {
  let jobs = 0;
  for (let i = 0; i < activityIds.length; i += DETECT_BATCH) {
    await boss.send('detect.activity', { activityIds: activityIds.slice(i, i + DETECT_BATCH) });
    jobs += 1;
  }
  return jobs;
}

/** The database's clock: `ingested_at` is stamped by the database, so the pass is measured by it too. */
async function databaseNow(db: JobDeps['database']['db']): Promise<Date> {
  const result = (await db.execute(sql`select now() as now`)) as unknown as { rows: { now: Date | string }[] };
  return new Date(result.rows[0]!.now);
}

/**
 * Activity stored between 8 days and 10 minutes before `now` that detection has not processed.
 * The 10 minutes leave queued jobs time to run; 8 days covers the collection backfill.
 */
export async function undetectedActivity(db: JobDeps['database']['db'], now: Date, limit = 20_000): Promise<string[]> {
  const rows = await db
    .select({ id: activity.id })
    .from(activity)
    .where(
      and(
        gte(activity.ingestedAt, new Date(now.getTime() - 8 * 86_400_000)),
        lt(activity.ingestedAt, new Date(now.getTime() - 10 * 60_000)),
        notExists(db.select({ one: sql`1` }).from(detectionProcessed).where(eq(detectionProcessed.activityId, activity.id))),
      ),
    )
    .orderBy(asc(activity.ingestedAt))
    .limit(limit);
  return rows.map((r) => r.id);
}
