/**
 * The transactional outbox. Whoever stores an event (detection, the sign-in steps) calls these in
 * the same transaction: the matching triggers' actions become `delivery` rows, committed with the
 * event or not at all, and a NOTIFY wakes the sender when the transaction commits. Nothing is
 * sent here; services/notify/sender.ts does that.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { appUser, delivery, productEvent } from '../../db/schema/index.ts';
import type { FilterableEvent } from '../language/index.ts';
import { loadFilterableEvents } from '../detection/filterable-events.ts';
import { eventValues, type FieldValue } from './event-values.ts';
import { evaluateScoreTriggers } from './score-triggers.ts';
import { inScope, loadEnabledTriggers, type LoadedTrigger, type TriggerActionRow } from './triggers.ts';

/** The channel the sender LISTENs on. */
export const OUTBOX_CHANNEL = 'tenantwatch_outbox';

/** The recipient that stands for every active owner of the MSP (the default triggers use it). */
export const OWNERS_RECIPIENT = '@owners';

/** What a delivery row carries: frozen at match time, rendered by the channel when sent. */
export type DeliveryPayload = {
  /** The action's settings as they were (recipients resolved). */
  settings: Record<string, unknown>;
  /** Every field's value, by name (`Event.UserName`): what `{Event.Field}` reads. */
  values: Record<string, FieldValue>;
  /** `/events/<id>` on the public URL, or null for Tenantwatch's own events (no event page). */
  eventPath: string | null;
  triggerName: string;
};

type NewDelivery = typeof delivery.$inferInsert;

/**
 * Writes the deliveries of new security events (call in the transaction that created them).
 * Ignored events (a whitelist rule took them) notify nobody.
 * @returns the number of delivery rows written.
 */
export async function enqueueForEvents(tx: DbOrTx, input: { mspId: string; eventIds: readonly string[] }): Promise<number> {
  if (input.eventIds.length === 0) return 0;
  const written = await enqueueForEventTriggers(tx, input);
  // Score triggers: the users whose score these events moved into a band.
  return written + (await evaluateScoreTriggers(tx, { ...input, isNew: true }));
}

async function enqueueForEventTriggers(tx: DbOrTx, input: { mspId: string; eventIds: readonly string[] }): Promise<number> {
  const triggers = await loadEnabledTriggers(tx, input.mspId);
  if (triggers.length === 0) return 0;
  const events = (await loadFilterableEvents(tx, input.eventIds)).filter((e) => e.status === 'open' && e.mspId === input.mspId);
  const rows: NewDelivery[] = [];
  const now = new Date();
  for (const event of events) {
    for (const t of matching(triggers, event, event.tenantId)) {
      const values = eventValues(event);
      for (const action of t.actions) {
        rows.push(await deliveryRow(tx, t, action, { eventId: event.id, values, eventPath: `/events/${event.id}`, key: event.id, now }));
      }
    }
  }
  return insertDeliveries(tx, rows);
}

export type ProductEventInput = {
  mspId: string;
  eventType: 'LoginAttempt' | 'ChangePasswordAttempt';
  operationResult: 'Success' | 'PasswordInvalid' | 'OneTimePasswordInvalid' | 'LockedOut';
  userId: string | null;
  userName: string;
  userSource: 'Local' | 'Microsoft';
  networkAddress?: string | null | undefined;
  userAgent?: string | null | undefined;
};

/**
 * Records a security event of Tenantwatch itself (a sign-in attempt, a password change) and
 * writes the deliveries of the triggers it matches, in the caller's transaction (the one of the
 * audit entry).
 */
export async function recordProductEvent(tx: DbOrTx, input: ProductEventInput): Promise<string> {
  const [row] = await tx
    .insert(productEvent)
    .values({
      mspId: input.mspId,
      eventType: input.eventType,
      operationResult: input.operationResult,
      userId: input.userId,
      userName: input.userName.toLowerCase(),
      userSource: input.userSource,
      networkAddress: input.networkAddress ?? null,
      userAgent: input.userAgent ?? null,
    })
    .returning();
  const stored = row!;
  const triggers = await loadEnabledTriggers(tx, input.mspId);
  if (triggers.length === 0) return stored.id;
  const event = productFilterable(stored);
  const values = eventValues(event);
  const rows: NewDelivery[] = [];
  const now = new Date();
  for (const t of matching(triggers, event, null)) {
    for (const action of t.actions)
      rows.push(await deliveryRow(tx, t, action, { productEventId: stored.id, values, eventPath: null, key: `p-${stored.id}`, now }));
  }
  await insertDeliveries(tx, rows);
  return stored.id;
}

/** A product event as the filter language reads it: the same fields a sign-in event has. */
export function productFilterable(row: typeof productEvent.$inferSelect): FilterableEvent {
  return {
    id: row.id,
    eventType: row.eventType,
    operationResult: row.operationResult,
    userName: row.userName,
    networkAddress: row.networkAddress,
    workload: 'Tenantwatch',
    title: row.eventType === 'LoginAttempt' ? `Sign-in to Tenantwatch: ${row.operationResult}` : `Tenantwatch password change: ${row.operationResult}`,
    status: 'open',
    severity: row.operationResult === 'Success' ? 'informational' : row.operationResult === 'LockedOut' ? 'high' : 'medium',
    firstSeenAt: row.occurredAt,
    lastSeenAt: row.occurredAt,
    createdAt: row.occurredAt,
    count: 1,
    fields: { userSource: row.userSource, ...(row.userAgent ? { userAgent: row.userAgent } : {}) },
    entities: row.networkAddress ? { ip: [{ key: row.networkAddress }] } : {},
  };
}

function matching(triggers: readonly LoadedTrigger[], event: FilterableEvent, tenantId: string | null): LoadedTrigger[] {
  return triggers.filter((t) => t.actions.length > 0 && inScope(t, tenantId) && t.matches(event));
}

/** One action's outbox row for one match; `key` (with the action's id) makes it unique. */
export async function deliveryRow(
  tx: DbOrTx,
  t: LoadedTrigger,
  action: TriggerActionRow,
  m: { eventId?: string; productEventId?: string; values: Record<string, FieldValue>; eventPath: string | null; key: string; now: Date },
): Promise<NewDelivery> {
  const payload: DeliveryPayload = { settings: await resolveSettings(tx, t.mspId, action), values: m.values, eventPath: m.eventPath, triggerName: t.name };
  const gathered = t.deliveryMode === 'gathered';
  const windowMs = Math.max(1, t.gatherMinutes) * 60_000;
  const windowStart = Math.floor(m.now.getTime() / windowMs) * windowMs;
  return {
    mspId: t.mspId,
    triggerId: t.id,
    triggerActionId: action.id,
    eventId: m.eventId ?? null,
    productEventId: m.productEventId ?? null,
    kind: action.kind,
    idempotencyKey: `${m.key}:${action.id}`,
    payload: payload as unknown as Record<string, unknown>,
    // Gathered: every match of the window waits for its end and goes out in one message.
    gatherKey: gathered ? `${action.id}:${new Date(windowStart).toISOString()}` : null,
    nextAttemptAt: gathered ? new Date(windowStart + windowMs) : m.now,
  };
}

/** Email recipients: `@owners` becomes the MSP's active owners at the time of the match. */
export async function resolveSettings(tx: DbOrTx, mspId: string, action: Pick<TriggerActionRow, 'kind' | 'config'>): Promise<Record<string, unknown>> {
  const settings = { ...action.config };
  if (action.kind === 'email' && Array.isArray(settings.to) && settings.to.includes(OWNERS_RECIPIENT)) {
    const owners = await tx
      .select({ email: appUser.email })
      .from(appUser)
      .where(and(eq(appUser.mspId, mspId), eq(appUser.role, 'owner'), eq(appUser.status, 'active')));
    settings.to = [...new Set([...(settings.to as string[]).filter((r) => r !== OWNERS_RECIPIENT), ...owners.map((o) => o.email)])];
  }
  return settings;
}

/** Inserts the rows (a repeat of a key adds nothing) and wakes the sender at commit. */
export async function insertDeliveries(tx: DbOrTx, rows: NewDelivery[]): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await tx.insert(delivery).values(rows).onConflictDoNothing({ target: delivery.idempotencyKey }).returning({ id: delivery.id });
  if (inserted.length > 0) await tx.execute(sql`select pg_notify(${OUTBOX_CHANNEL}, '')`);
  return inserted.length;
}
