import { and, asc, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { eventEntity, securityEvent, tenant, type EntityKind } from '../../../db/schema/index.ts';
import type { Change, JsonValue, Snapshot, SnapshotOf, UnavailableReason } from '../../../enrichment/entities/index.ts';
import { type EntityLookup, lookupTenantColumns } from '../../../enrichment/lookup.ts';
import { contextFor, parseUnavailableReason } from '../../../enrichment/stage.ts';
import { NotFoundError, RateLimitedError } from '../../errors.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';

export type EntityReason = { code: UnavailableReason; message: string };

/** One entity of an event, its snapshots typed by its kind (a mailbox is recorded as its owner's user). */
export type EventEntityViewOf<K extends EntityKind> = {
  id: string;
  kind: K;
  key: string;
  remediations: string[];
  isPrimary: boolean;
  /** Taken when the event was detected and never changed; `pending` until the enrichment stage has run. */
  recorded: {
    status: 'pending' | 'recorded' | 'unavailable';
    snapshot: SnapshotOf[K] | null;
    reason: EntityReason | null;
    recordedAt: string | null;
    attempts: number;
  };
  /** With `live`: the entity as it is now. */
  live?: { status: 'available' | 'unavailable'; snapshot: SnapshotOf[K] | null; reason: EntityReason | null; fetchedAt: string; cached: boolean };
  /** With `live`: paths of the recorded snapshot that differ now (`status`, `mfa.methods`). */
  changed?: string[];
  changes?: { path: string; recorded: JsonValue; live: JsonValue }[];
};

export type EventEntityView = { [K in EntityKind]: EventEntityViewOf<K> }[EntityKind];

/**
 * The entities of one event with their recorded snapshots and, with `live`, what each looks
 * like now and what changed since detection. Another MSP's event is simply not found.
 * Throws RateLimitedError when the tenant's live lookups are spent (answers already fetched
 * stay cached, so the retry is cheap).
 */
export async function listEventEntities({ ctx, id, live }: { ctx: Ctx; id: string; live?: EntityLookup }): Promise<{ items: EventEntityView[] }> {
  authorize(ctx, 'event.read');
  if (live) authorize(ctx, 'event.lookup-live');
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('Event not found.');
  const [event] = await ctx.db
    .select({
      mspId: securityEvent.mspId,
      description: securityEvent.description,
      fields: securityEvent.fields,
      tenant: lookupTenantColumns,
    })
    .from(securityEvent)
    .innerJoin(tenant, eq(tenant.id, securityEvent.tenantId))
    .where(and(eq(securityEvent.id, id), eq(securityEvent.mspId, ctx.msp)))
    .limit(1);
  if (!event) throw new NotFoundError('Event not found.');
  const rows = await ctx.db
    .select()
    .from(eventEntity)
    .where(and(eq(eventEntity.eventId, id), eq(eventEntity.mspId, ctx.msp)))
    .orderBy(desc(eventEntity.isPrimary), asc(eventEntity.kind), asc(eventEntity.key));

  // The stored snapshot is what the kind's enricher recorded (enrichment/entities/snapshots.ts).
  const items = rows.map(
    (r) =>
      ({
        id: r.id,
        kind: r.kind,
        key: r.key,
        remediations: r.remediations,
        isPrimary: r.isPrimary,
        recorded: {
          status: r.snapshotStatus,
          snapshot: r.snapshot ?? null,
          reason: parseUnavailableReason(r.unavailableReason),
          recordedAt: r.recordedAt?.toISOString() ?? null,
          attempts: r.attempts,
        },
      }) as EventEntityView,
  );
  if (!live || items.length === 0) return { items };

  // Without the detection's reason: it is not read from Microsoft, and leaving it out lets the
  // same user or IP in several events share one cached live answer.
  const { reason: _reason, ...context } = await contextFor(ctx.db, event);
  for (const item of items) {
    const recordedSnapshot = item.recorded.status === 'recorded' ? (item.recorded.snapshot as Snapshot | null) : null;
    const answer = await live.lookupLive(event.tenant, { kind: item.kind, key: item.key }, { recorded: recordedSnapshot, context });
    if (answer.retryAfterSeconds !== undefined) {
      throw new RateLimitedError(
        `Too many live lookups for this tenant; try again in ${answer.retryAfterSeconds} s. The recorded details are available without live=true.`,
        answer.retryAfterSeconds,
      );
    }
    const r = answer.result;
    // The live answer comes from the same enricher as the recorded one, so it is of the item's kind.
    (item as EventEntityViewOf<EntityKind>).live = {
      status: r.status === 'recorded' ? 'available' : 'unavailable',
      snapshot: r.status === 'recorded' ? (r.snapshot as SnapshotOf[EntityKind]) : null,
      reason: r.status === 'recorded' ? null : { code: r.reason, message: r.message },
      fetchedAt: answer.checkedAt,
      cached: answer.cached,
    };
    item.changes = answer.changes.map((c: Change) => ({ path: c.path, recorded: c.recorded, live: c.live }));
    item.changed = item.changes.map((c) => c.path);
  }
  return { items };
}
