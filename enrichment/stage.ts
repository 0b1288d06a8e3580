/**
 * The enrichment stage of the pipeline: after detection has stored an event and its entities
 * (`pending`), each entity is looked up once and its snapshot recorded with the event.
 *
 * - Write once: a snapshot or an unavailable reason is written only while the entity is still
 *   `pending` (`update … where snapshot_status = 'pending'`), so nothing changes it afterwards,
 *   not a second run, not a duplicated job, not a later change in the tenant.
 * - Final answers are recorded at once: the entity was deleted, a permission is missing (named),
 *   the provider has no data.
 * - Transient failures (throttling, 5xx, timeouts, a tenant that cannot be reached) leave the
 *   entity pending; the job layer tries again after `enrichRetryDelaySeconds`, and after
 *   `ENRICH_MAX_ATTEMPTS` attempts the entity is recorded unavailable with the last reason.
 * - The event itself never waits for this stage: it is stored and handed on before enrichment.
 * - A consent event whose app is recorded learns whether Microsoft verified the publisher, and
 *   is escalated when not (consent-publisher.ts).
 * - Once snapshots are recorded, the whitelist rules are applied again: a rule on recorded
 *   intelligence (`IP.CountryCode = 'NL'`, `App.VerifiedPublisher = false`, `User.Department`)
 *   could not match when detection raised the event, and now can.
 */
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { eventEntity, securityEvent, tenant, type EntityKind } from '../db/schema/index.ts';
import { ignoreByWhitelistRules } from '../services/detection/whitelist.ts';
import { loadDetectionSettings } from '../services/detection/settings.ts';
import type { Logger } from '../services/log.ts';
import { UNAVAILABLE_REASONS, type EnrichContext, type EnrichmentResult, type UnavailableReason } from './entities/index.ts';
import { CONSENT_DETECTIONS, judgeConsentPublisher } from './consent-publisher.ts';
import type { JsonObject } from './entities/types.ts';
import { type EntityLookup, type LookupTenant, lookupTenantColumns } from './lookup.ts';

/** Attempts per entity before a transient failure is recorded as its final answer. */
export const ENRICH_MAX_ATTEMPTS = 5;

/** Seconds to wait after the `attempts`-th failed attempt: 30 s, 2 min, 8 min, 32 min (about 42 minutes in all). */
export function enrichRetryDelaySeconds(attempts: number): number {
  return Math.min(3600, 30 * 4 ** Math.max(0, attempts - 1));
}

/** Events of one tenant enriched at once by one process; more wait their turn in the queue. */
export const ENRICH_TENANT_CONCURRENCY = 2;

/**
 * Counts the events being enriched per tenant in this process, so one tenant with a burst of
 * events does not spend its Microsoft budget on many lookups at once (nor hold every worker).
 */
export class TenantSlots {
  private readonly active = new Map<string, number>();
  constructor(readonly limit = ENRICH_TENANT_CONCURRENCY) {}

  /** A release function, or null when the tenant is at its limit. */
  tryAcquire(tenantId: string): (() => void) | null {
    const n = this.active.get(tenantId) ?? 0;
    if (n >= this.limit) return null;
    this.active.set(tenantId, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.active.get(tenantId) ?? 1) - 1;
      if (left <= 0) this.active.delete(tenantId);
      else this.active.set(tenantId, left);
    };
  }
}

export type EnrichStageDeps = { db: Db; lookup: EntityLookup; log?: Logger; slots?: TenantSlots };

export type EnrichEventOutcome = {
  /** Entities whose snapshot this run recorded. */
  recorded: number;
  /** Entities this run recorded as unavailable (final answer, or out of attempts). */
  unavailable: number;
  /** Entities still pending after a transient failure. */
  pending: number;
  /** When to try the pending ones again; null when none is left. */
  retryInSeconds: number | null;
  /** True when the tenant was at its concurrency limit and nothing was done. */
  deferred: boolean;
};

/** `entity-deleted: The user no longer exists in the tenant.`: the reason's code, then its plain words. */
export function formatUnavailableReason(reason: UnavailableReason, message: string): string {
  return `${reason}: ${message}`;
}

/** The code and words of a stored reason; a reason in another form is an `error` with its text. */
export function parseUnavailableReason(text: string | null): { code: UnavailableReason; message: string } | null {
  if (text === null) return null;
  const match = /^([a-z-]+): ([\s\S]*)$/.exec(text);
  const code = match?.[1] as UnavailableReason | undefined;
  if (match && code && (UNAVAILABLE_REASONS as readonly string[]).includes(code)) return { code, message: match[2]! };
  return { code: 'error', message: text };
}

/**
 * Looks up every pending entity of one event and records what it can. Idempotent and safe to
 * run twice at once: each entity's attempt is counted and its answer written only while it is
 * pending.
 * @example const outcome = await enrichEvent({ db, lookup }, eventId); // { recorded: 3, pending: 0, … }
 */
export async function enrichEvent(deps: EnrichStageDeps, eventId: string): Promise<EnrichEventOutcome> {
  const outcome: EnrichEventOutcome = { recorded: 0, unavailable: 0, pending: 0, retryInSeconds: null, deferred: false };
  const [row] = await deps.db
    .select({
      mspId: securityEvent.mspId,
      detectionId: securityEvent.detectionId,
      severity: securityEvent.severity,
      description: securityEvent.description,
      fields: securityEvent.fields,
      tenant: lookupTenantColumns,
    })
    .from(securityEvent)
    .innerJoin(tenant, eq(tenant.id, securityEvent.tenantId))
    .where(eq(securityEvent.id, eventId));
  // A deleted event took its entities with it.
  if (!row) return outcome;
  const entities = await deps.db
    .select({ id: eventEntity.id, kind: eventEntity.kind, key: eventEntity.key, isPrimary: eventEntity.isPrimary })
    .from(eventEntity)
    .where(and(eq(eventEntity.eventId, eventId), eq(eventEntity.snapshotStatus, 'pending')))
    .orderBy(desc(eventEntity.isPrimary), asc(eventEntity.kind), asc(eventEntity.key));
  if (entities.length === 0) return outcome;

  const release = deps.slots ? deps.slots.tryAcquire(row.tenant.id) : () => {};
  if (!release) return { ...outcome, pending: entities.length, deferred: true };
  try {
    const context = await contextFor(deps.db, row);
    let fewestAttempts = Infinity;
    let primaryApp: JsonObject | undefined;
    for (const entity of entities) {
      // The attempt is counted before it is made, so a lookup that crashes the process still
      // counts and a poisoned entity cannot be retried forever.
      const [claimed] = await deps.db
        .update(eventEntity)
        .set({ attempts: sql`${eventEntity.attempts} + 1` })
        .where(and(eq(eventEntity.id, entity.id), eq(eventEntity.snapshotStatus, 'pending')))
        .returning({ attempts: eventEntity.attempts });
      if (!claimed) continue;
      const result = await lookupSafely(deps, row.tenant, entity, context);
      if (result.status === 'recorded') {
        if (await writeOnce(deps.db, entity.id, { snapshotStatus: 'recorded', snapshot: result.snapshot, unavailableReason: null })) {
          outcome.recorded += 1;
          if (entity.kind === 'app' && entity.isPrimary) primaryApp = result.snapshot;
        }
      } else if (!result.transient || claimed.attempts >= ENRICH_MAX_ATTEMPTS) {
        const message = result.transient ? `${result.message} (gave up after ${claimed.attempts} attempts)` : result.message;
        if (
          await writeOnce(deps.db, entity.id, {
            snapshotStatus: 'unavailable',
            snapshot: null,
            unavailableReason: formatUnavailableReason(result.reason, message),
          })
        )
          outcome.unavailable += 1;
      } else {
        outcome.pending += 1;
        fewestAttempts = Math.min(fewestAttempts, claimed.attempts);
        deps.log?.info(
          { eventId, entity: entity.kind, attempts: claimed.attempts, reason: result.reason, message: result.message },
          'entity lookup failed; it will be retried',
        );
      }
    }
    if (outcome.pending > 0) outcome.retryInSeconds = enrichRetryDelaySeconds(fewestAttempts);
    // Before the whitelist, so a rule can read what the escalation wrote.
    if (primaryApp && CONSENT_DETECTIONS.has(row.detectionId)) {
      try {
        if ((await judgeConsentPublisher(deps.db, { id: eventId, ...row }, primaryApp)) === 'escalated')
          deps.log?.info({ eventId }, 'consent to an app from an unverified publisher: event escalated');
      } catch (err) {
        deps.log?.error({ eventId, err }, "the app's publisher could not be applied to the consent event");
      }
    }
    if (outcome.recorded > 0) await applyWhitelistRules(deps, { mspId: row.mspId, tenantId: row.tenant.id, eventId });
    return outcome;
  } finally {
    release();
  }
}

/**
 * Ignores the event when an active rule matches it with its snapshots. A failure here leaves the
 * event open, the safe side: it is logged, and enrichment's own work stands.
 */
async function applyWhitelistRules(deps: EnrichStageDeps, { mspId, tenantId, eventId }: { mspId: string; tenantId: string; eventId: string }): Promise<void> {
  try {
    const ignored = await ignoreByWhitelistRules(deps.db, { mspId, tenantId, eventIds: [eventId] });
    if (ignored > 0) deps.log?.info({ eventId }, 'event ignored by a whitelist rule on its recorded entities');
  } catch (err) {
    deps.log?.error({ eventId, err }, 'whitelist rules could not be applied after enrichment; the event stays open');
  }
}

async function lookupSafely(
  deps: EnrichStageDeps,
  t: LookupTenant,
  entity: { kind: EntityKind; key: string },
  context: EnrichContext,
): Promise<EnrichmentResult> {
  try {
    return await deps.lookup.enrich(t, entity, context);
  } catch (err) {
    // The lookups never reject; should one, it is a transient failure like any other.
    return {
      status: 'unavailable',
      reason: 'error',
      message: `Enrichment failed unexpectedly: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}`,
      transient: true,
    };
  }
}

async function writeOnce(
  db: Db,
  id: string,
  values: Pick<typeof eventEntity.$inferInsert, 'snapshotStatus' | 'snapshot' | 'unavailableReason'>,
): Promise<boolean> {
  const written = await db
    .update(eventEntity)
    .set({ ...values, recordedAt: sql`now()` })
    .where(and(eq(eventEntity.id, id), eq(eventEntity.snapshotStatus, 'pending')))
    .returning({ id: eventEntity.id });
  return written.length > 0;
}

/** What the event tells the enrichers: why it was flagged, the shared item's site, the tenant's break-glass accounts. */
export async function contextFor(
  db: Db,
  event: { mspId: string; description: string; fields: Record<string, unknown>; tenant: { id: string } },
): Promise<EnrichContext> {
  const settings = await loadDetectionSettings(db, event.mspId, event.tenant.id);
  const context: EnrichContext = { reason: event.description, breakGlassAccounts: [...settings.breakGlassAccounts] };
  if (typeof event.fields.siteUrl === 'string') context.siteUrl = event.fields.siteUrl;
  return context;
}

/** Of these events, the ones with an entity still pending. */
export async function eventsWithPendingEntities(db: Db, eventIds: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < eventIds.length; i += 1000) {
    const rows = await db
      .selectDistinct({ id: eventEntity.eventId })
      .from(eventEntity)
      .where(and(inArray(eventEntity.eventId, eventIds.slice(i, i + 1000)), eq(eventEntity.snapshotStatus, 'pending')));
    out.push(...rows.map((r) => r.id));
  }
  return out;
}

/**
 * Events with an entity still pending that were stored more than `minutes` ago: left behind by
 * a crash between detection and queueing, or during a lookup. Oldest first.
 */
export async function staleEnrichments(db: Db, minutes = 2, limit = 1000): Promise<string[]> {
  const rows = await db
    .select({ id: securityEvent.id })
    .from(securityEvent)
    .where(
      and(
        sql`${securityEvent.createdAt} < now() - make_interval(mins => ${minutes})`,
        sql`exists (select 1 from ${eventEntity} e where e.event_id = ${securityEvent.id} and e.snapshot_status = 'pending')`,
      ),
    )
    .orderBy(asc(securityEvent.createdAt))
    .limit(limit);
  return rows.map((r) => r.id);
}
