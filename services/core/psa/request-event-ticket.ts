/**
 * "Create a ticket" on the event page. The ticket is filed the way a trigger's ticket action
 * files it: one outbox delivery of kind `ticket`, sent by the outbox sender through the PSA
 * filer (retried while the PSA is down, never two tickets for one alert). The delivery's key is
 * one per event, so a double click or a retried request adds nothing.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { delivery, psaTicket } from '../../../db/schema/index.ts';
import { loadFilterableEvents } from '../../detection/filterable-events.ts';
import { ConflictError } from '../../errors.ts';
import { eventValues } from '../../notify/event-values.ts';
import { insertDeliveries, OUTBOX_CHANNEL, type DeliveryPayload } from '../../notify/outbox.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { findEvent } from '../event/get-event.ts';
import { connectionFor } from './deliver-ticket.ts';
import { PsaNotReadyError } from './psa-not-ready.ts';

export const manualTicketKey = (eventId: string) => `ticket:manual:${eventId}`;

type TicketView = { id: string; number: string | null; url: string | null; status: string | null };
type DeliveryView = { id: string; status: (typeof delivery.$inferSelect)['status']; lastError: string | null };

/**
 * What the event page's "Create a ticket" button shows: the event's ticket if it has one, the
 * request on its way, or whether a ticket can be asked for (and, if not, why in plain words).
 */
export type EventTicketState =
  | { state: 'filed'; ticket: TicketView; delivery: DeliveryView | null; message: string }
  | { state: 'requested'; ticket: null; delivery: DeliveryView; message: string }
  | { state: 'ready' | 'no-psa' | 'unmapped'; ticket: null; delivery: DeliveryView | null; message: string };

export async function getEventTicketState({ ctx, id }: { ctx: Ctx; id: string }): Promise<EventTicketState> {
  authorize(ctx, 'event.read');
  const { event, tenantName } = await findEvent(ctx, id);
  return stateOf(ctx.db, ctx.msp, { id: event.id, tenantId: event.tenantId, tenantName });
}

/**
 * Asks for a ticket for the event (technicians and up). An event with a ticket answers with it;
 * otherwise one delivery is queued (or the queued one returned) and the sender woken.
 * @throws ConflictError when no PSA is connected; PsaNotReadyError (422) when the tenant is not mapped.
 */
export async function requestEventTicket({ ctx, id }: { ctx: Ctx; id: string }): Promise<EventTicketState> {
  authorize(ctx, 'event.ticket');
  const { event, tenantName } = await findEvent(ctx, id);
  const target = { id: event.id, tenantId: event.tenantId, tenantName };
  const before = await stateOf(ctx.db, ctx.msp, target);
  if (before.state === 'filed') return before;
  if (before.state === 'no-psa') throw new ConflictError(before.message);
  if (before.state === 'unmapped') throw new PsaNotReadyError(before.message);
  const key = manualTicketKey(event.id);
  await ctx.db.transaction(async (tx) => {
    const [filterable] = await loadFilterableEvents(tx, [event.id]);
    const payload: DeliveryPayload = {
      settings: {},
      values: filterable ? eventValues(filterable) : {},
      eventPath: `/events/${event.id}`,
      triggerName: 'Create a ticket (event page)',
    };
    const added = await insertDeliveries(tx, [
      {
        mspId: ctx.msp,
        eventId: event.id,
        kind: 'ticket',
        idempotencyKey: key,
        payload: payload as unknown as Record<string, unknown>,
        nextAttemptAt: new Date(),
      },
    ]);
    // A request that gave up (the PSA refused it for good) is tried again when asked again.
    const revived =
      added === 0
        ? await tx
            .update(delivery)
            .set({ status: 'pending', attempts: 0, nextAttemptAt: new Date(), lastError: null })
            .where(and(eq(delivery.idempotencyKey, key), eq(delivery.mspId, ctx.msp), eq(delivery.status, 'dead')))
            .returning({ id: delivery.id })
        : [];
    if (revived.length > 0) await tx.execute(sql`select pg_notify(${OUTBOX_CHANNEL}, '')`);
    if (added > 0 || revived.length > 0) await writeAudit(tx, ctx, 'event.ticket_requested', { type: 'event', id: event.id }, { tenant: tenantName });
  });
  return stateOf(ctx.db, ctx.msp, target);
}

async function stateOf(db: DbOrTx, mspId: string, event: { id: string; tenantId: string; tenantName: string }): Promise<EventTicketState> {
  const [ticket] = await db
    .select({ id: psaTicket.id, number: psaTicket.number, url: psaTicket.url, status: psaTicket.status })
    .from(psaTicket)
    .where(and(eq(psaTicket.mspId, mspId), sql`(${event.id}::uuid = any(${psaTicket.eventIds}) or ${event.id}::uuid = any(${psaTicket.pendingEventIds}))`))
    .orderBy(psaTicket.createdAt)
    .limit(1);
  const [queued] = await db
    .select({ id: delivery.id, status: delivery.status, lastError: delivery.lastError })
    .from(delivery)
    .where(and(eq(delivery.idempotencyKey, manualTicketKey(event.id)), eq(delivery.mspId, mspId)))
    .limit(1);
  const request = queued ?? null;
  if (ticket) return { state: 'filed', ticket, delivery: request, message: `Ticket ${ticket.number ?? ''} holds this event.`.replace('  ', ' ') };
  if (request && request.status !== 'dead')
    return {
      state: 'requested',
      ticket: null,
      delivery: request,
      message: request.lastError ? `Ticket requested; the last attempt failed: ${request.lastError}` : 'Ticket requested.',
    };
  const target = await connectionFor(db, mspId, event.tenantId);
  if ('error' in target)
    return {
      state: target.reason,
      ticket: null,
      delivery: request,
      message:
        target.reason === 'no-psa'
          ? 'Connect ConnectWise Manage or Autotask on the Integrations page first.'
          : `Map ${event.tenantName} to a PSA company on the Integrations page first.`,
    };
  return {
    state: 'ready',
    ticket: null,
    delivery: request,
    message: request?.lastError ? `The last request failed: ${request.lastError}` : 'A ticket can be created.',
  };
}
