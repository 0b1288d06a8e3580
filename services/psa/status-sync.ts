/**
 * Reads ticket status back from the PSA: every ticket not closed, and closed ones still inside
 * the update interval (a technician may reopen them). When a ticket turns closed and the
 * connection says so, its open events are resolved, with an audit entry by the system.
 */
import { reevaluateScores } from '../notify/score-triggers.ts';
import { and, eq, gte, inArray, or } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { auditLog, psaTicket, securityEvent } from '../../db/schema/index.ts';
import type { OperationalSettings } from './ticketing.ts';
import { PsaError, type PsaClient } from './types.ts';

export type StatusReadResult = { read: number; closedNow: number; eventsResolved: number; failed: { ticket: string; error: string }[] };

export async function readBackTicketStatuses(input: {
  db: DbOrTx;
  client: PsaClient;
  connection: { id: string; mspId: string };
  settings: OperationalSettings;
  now?: Date;
  limit?: number;
}): Promise<StatusReadResult> {
  const { db, client, connection, settings, now = new Date() } = input;
  const recent = new Date(now.getTime() - settings.updateInterval * 1000);
  const tickets = await db
    .select()
    .from(psaTicket)
    .where(and(eq(psaTicket.connectionId, connection.id), eq(psaTicket.isTest, false), or(eq(psaTicket.closed, false), gte(psaTicket.createdAt, recent))))
    .orderBy(psaTicket.statusReadAt)
    .limit(input.limit ?? 500);
  const result: StatusReadResult = { read: 0, closedNow: 0, eventsResolved: 0, failed: [] };
  for (const t of tickets) {
    if (!t.externalId) continue;
    let state;
    try {
      state = await client.getTicket(t.externalId);
    } catch (e) {
      // One deleted or unreadable ticket must not stop the others; a PSA outage stops the round.
      if (e instanceof PsaError && !e.retryable) {
        result.failed.push({ ticket: t.number ?? t.externalId, error: e.message });
        continue;
      }
      throw e;
    }
    result.read++;
    const turnedClosed = state.closed && !t.closed;
    await db.update(psaTicket).set({ status: state.status, statusId: state.statusId, closed: state.closed, statusReadAt: now }).where(eq(psaTicket.id, t.id));
    if (!turnedClosed) continue;
    result.closedNow++;
    if (!settings.resolveEventOnTicketClose || t.eventIds.length === 0) continue;
    const resolved = await db
      .update(securityEvent)
      .set({ status: 'resolved', resolvedAt: now })
      .where(and(eq(securityEvent.mspId, connection.mspId), inArray(securityEvent.id, t.eventIds), eq(securityEvent.status, 'open')))
      .returning({ id: securityEvent.id });
    result.eventsResolved += resolved.length;
    await reevaluateScores(db, { mspId: connection.mspId, eventIds: resolved.map((r) => r.id) });
    for (const r of resolved) {
      await db.insert(auditLog).values({
        mspId: connection.mspId,
        actorType: 'system',
        actorId: null,
        action: 'event.resolve',
        targetType: 'event',
        targetId: r.id,
        details: { reason: 'PSA ticket closed', ticket: t.number, status: state.status },
      });
    }
  }
  return result;
}
