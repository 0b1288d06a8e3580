import { collectTenant } from '../collector/collect-tenant.ts';
import { dueTenants } from '../collector/schedule.ts';
import { detectActivity } from '../detection/engine.ts';
import { undetectedActivity } from '../detection/sweep.ts';
import type { TokenProvider } from '../microsoft/token-provider.ts';
import type { JobDefinition, JobDeps } from './jobs.ts';
import type { IpIntelService } from '../../enrichment/ip/index.ts';
import type { EntityLookup } from '../../enrichment/lookup.ts';
import { enrichEvent, eventsWithPendingEntities, staleEnrichments, TenantSlots } from '../../enrichment/stage.ts';
import { sendJob, type PgBoss } from './queue.ts';
import type { CollectionQueue } from '../collector/webhook.ts';
import { syncPsaTickets } from '../core/psa/sync-psa-tickets.ts';
import { createSecretBox, resolveSecretKey, type SecretBox } from '../crypto.ts';
import type { Config } from '../config.ts';
import type { Notify } from '../notify/index.ts';
import { enqueueForEvents } from '../notify/outbox.ts';
import { z } from 'zod';

/**
 * The pipeline's jobs need the queue (to hand work on) and Microsoft's clients: the process's one
 * entity lookup (enrichment/lookup.ts `createConfiguredEntityLookup`), shared with the API. Node only.
 */
export type PipelineDeps = JobDeps & { boss: PgBoss; tokens: TokenProvider; ipIntel: IpIntelService; lookup: EntityLookup; notify?: Notify };

/**
 * Expiry of the jobs whose runtime is bounded (one detection batch of `DETECT_BATCH` records,
 * one event's lookups with their timeouts, a sweep's queries): each takes seconds, so 90 s is a
 * wide margin, and with pg-boss's expiry check once a minute (maintenanceIntervalSeconds) a job
 * whose process was killed runs again within about two and a half minutes instead of fifteen.
 */
const BOUNDED_JOB_EXPIRY_SECONDS = 90;

/** The data each queue carries, as `boss.send` below sends it (ids as Postgres reads a uuid). */
const CollectTenantPayload = z.object({ tenantId: z.guid() });
const DetectActivityPayload = z.object({ activityIds: z.array(z.guid()) });
const EnrichEventPayload = z.object({ eventId: z.guid() });

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
      const queue = collectionQueue(boss, config.collect.jobExpirySeconds);
      for (const tenantId of tenantIds) await queue.send(tenantId);
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
    // TW_COLLECT_JOB_EXPIRY_SECONDS (15 minutes), sent with each job: a first back-fill of a large
    // tenant runs long, and an expired pass that still runs would collect the tenant twice at
    // once. A crashed pass is picked up at the next start on PGlite (failOrphanedJobs), on
    // Postgres after this expiry (by whichever process runs the queue's upkeep).
    payload: CollectTenantPayload,
    run: async ({ tenantId }: z.infer<typeof CollectTenantPayload>, { database, log, config, tokens, boss }) => {
      const results = await collectTenant({ db: database.db, config, tokens, log }, tenantId);
      const insertedIds = results.flatMap((r) => (r.status === 'collected' ? r.insertedIds : []));
      const failed = results.filter((r) => r.status === 'failed').map((r) => r.source);
      log.info({ inserted: insertedIds.length, failed }, 'collection pass done');
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
    payload: DetectActivityPayload,
    run: async ({ activityIds }: z.infer<typeof DetectActivityPayload>, { database, log, boss, ipIntel }) => {
      const { eventIds, ...summary } = await detectActivity({ db: database.db, log, ipIntel, onEventsCreated: enqueueForEvents }, activityIds);
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
      const ids = await undetectedActivity(database.db);
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
    payload: EnrichEventPayload,
    run: async ({ eventId }: z.infer<typeof EnrichEventPayload>, deps) => {
      const outcome = await enrichEvent({ db: deps.database.db, lookup: deps.lookup, log: deps.log, slots: ENRICH_SLOTS }, eventId);
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
  /**
   * Every 5 minutes: for each PSA connection, write the similar alerts gathered for
   * consolidation and read ticket statuses back (closing a ticket can resolve its events).
   */
  'psa.sync-tickets': {
    schedule: '*/5 * * * *',
    retryLimit: 0,
    run: async (_data: unknown, { database, log, config }) => {
      const results = await syncPsaTickets({ db: database.db, secrets: secretBoxFor(config), publicUrl: config.publicUrl, log });
      return { connections: results.length, failed: results.filter((r) => r.error).length };
    },
  },
} satisfies Record<string, JobDefinition<unknown, PipelineDeps>>;

const secretBoxes = new WeakMap<Config, SecretBox>();
/** The process's secret box (PSA keys are sealed with it), built once per configuration. */
function secretBoxFor(config: Config): SecretBox {
  let box = secretBoxes.get(config);
  if (!box) {
    box = createSecretBox(resolveSecretKey(config));
    secretBoxes.set(config, box);
  }
  return box;
}

/** Seconds an event waits when its tenant already has `ENRICH_TENANT_CONCURRENCY` events being enriched here. */
const ENRICH_DEFER_SECONDS = 5;
const ENRICH_SLOTS = new TenantSlots();

/** Queues enrichment for events, one job each (a no-op for an event that already has one queued). */
export async function sendForEnrichment(boss: PgBoss, eventIds: readonly string[], startAfterSeconds?: number): Promise<number> {
  let queued = 0;
  for (const eventId of eventIds) {
    const id = await sendJob(
      boss,
      'enrich.event',
      { eventId },
      { singletonKey: eventId, ...(startAfterSeconds !== undefined ? { startAfter: Math.ceil(startAfterSeconds) } : {}) },
    );
    if (id) queued += 1;
  }
  return queued;
}

/**
 * Queues a collection pass of a tenant (a no-op when one is queued already: one queued and one
 * running per tenant). The schedule sends due tenants; a Management Activity API notification
 * sends its tenant at once, so new content is collected in seconds rather than at the next tick.
 */
export function collectionQueue(boss: PgBoss, expireInSeconds: number): CollectionQueue {
  return {
    send: async (tenantId) => {
      // The expiry travels with each job: how long a pass may run is the operator's setting.
      await sendJob(boss, 'collect.tenant', { tenantId }, { singletonKey: tenantId, expireInSeconds });
    },
  };
}

/** Activity ids per `detect.activity` job: one engine batch (one transaction per tenant). */
export const DETECT_BATCH = 1000;

/** Queues detection for activity ids, in batches of `DETECT_BATCH`. */
export async function sendForDetection(boss: PgBoss, activityIds: readonly string[]): Promise<number> {
  let jobs = 0;
  for (let i = 0; i < activityIds.length; i += DETECT_BATCH) {
    await sendJob(boss, 'detect.activity', { activityIds: activityIds.slice(i, i + DETECT_BATCH) });
    jobs += 1;
  }
  return jobs;
}
