/**
 * "Create a ticket" as a trigger action: the outbox sender hands each such delivery here, and
 * the alert is filed in the MSP's connected PSA with the tenant's mapping from the Integrations
 * page, under the operational settings (flood limit, updates, consolidation…).
 *
 * Never two tickets for one alert:
 * - one alert of a connection at a time: a transaction-scoped advisory lock keyed by the
 *   connection serialises filers across processes, so similar alerts never race to create;
 * - an alert already on a ticket (the delivery ran before and its outcome was lost) is done;
 * - a ticket the PSA holds under the alert's key (`tw:<eventId>`, `tw:flood:<eventId>`) but
 *   Tenantwatch never recorded (the process died between the PSA's answer and the commit) is
 *   recorded, not created again.
 * A PSA that is down or throttling is a retryable outcome: the outbox tries again with backoff.
 */
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '../../../db/client.ts';
import { psaConnection, psaTenantMapping, psaTicket, securityEvent } from '../../../db/schema/index.ts';
import type { SecretBox } from '../../crypto.ts';
import type { Logger } from '../../log.ts';
import type { TicketFiler } from '../../notify/dispatch.ts';
import type { DeliveryOutcome } from '../../notify/channels/types.ts';
import { PSA_PROVIDERS } from '../../psa/providers.ts';
import { fileAlert, loadTicketEvent, similarityKey } from '../../psa/ticketing.ts';
import { PsaError, type PsaClient, type PsaTicketRef } from '../../psa/types.ts';
import { notePsaFailure, notePsaSuccess } from './psa-health.ts';
import { readPsaSettings, storedPsaClient, type PsaConnectionRow } from './psa-connection.ts';

export type TicketFilerDeps = { database: Database; secrets: SecretBox; publicUrl: string; log: Logger };

/** Failures an admin must fix (keys, permissions) are retried too: the tickets go out once they are fixed. */
const FINAL_REASONS = new Set(['invalid', 'not-found']);

/**
 * The filer the outbox sender calls for ticket deliveries.
 * @example startNotify({ …, ticket: createTicketFiler({ database, secrets, publicUrl, log }) })
 */
export function createTicketFiler(deps: TicketFilerDeps): TicketFiler {
  return async (row) => {
    if (row.isTest) return { ok: true, detail: 'Send test files no ticket; use "Create test ticket" on the Integrations page' };
    if (!row.eventId) return { ok: false, retryable: false, error: "Tenantwatch's own sign-in events have no Microsoft 365 tenant to file a ticket for" };
    const db = deps.database.db;
    const [event] = await db
      .select({ tenantId: securityEvent.tenantId })
      .from(securityEvent)
      .where(and(eq(securityEvent.id, row.eventId), eq(securityEvent.mspId, row.mspId)));
    if (!event) return { ok: false, retryable: false, error: 'the event is not there any more' };
    const target = await connectionFor(db, row.mspId, event.tenantId);
    if ('error' in target) return { ok: false, retryable: false, error: target.error };
    const { connection, mapping } = target;
    const settings = readPsaSettings(connection);
    let outcome: DeliveryOutcome;
    try {
      const client = storedPsaClient({ secrets: deps.secrets }, connection, { retries: 1 });
      outcome = await deps.database.db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`tw-psa:${connection.id}`}, 0))`);
        return fileOnce(tx, client, connection, { companyId: mapping.companyId, routing: mapping.routing }, row.eventId!, deps.publicUrl);
      });
    } catch (e) {
      const reason = e instanceof PsaError ? e.reason : undefined;
      const error = e instanceof Error ? e.message : String(e);
      outcome = { ok: false, retryable: !reason || !FINAL_REASONS.has(reason), error, ...(e instanceof PsaError && e.status ? { status: e.status } : {}) };
      await notePsaFailure(db, { connection, settings: settings.operations, reason, error, log: deps.log });
      return outcome;
    }
    await notePsaSuccess(db, connection.id);
    return outcome;
  };
}

/** The connected PSA and mapping that files a tenant's alerts, or why there is none. */
export async function connectionFor(
  db: DbOrTx,
  mspId: string,
  tenantId: string,
): Promise<{ connection: PsaConnectionRow; mapping: typeof psaTenantMapping.$inferSelect } | { error: string; reason: 'no-psa' | 'unmapped' }> {
  const rows = await db
    .select({ connection: psaConnection, mapping: psaTenantMapping })
    .from(psaConnection)
    .leftJoin(psaTenantMapping, and(eq(psaTenantMapping.connectionId, psaConnection.id), eq(psaTenantMapping.tenantId, tenantId)))
    .where(and(eq(psaConnection.mspId, mspId), eq(psaConnection.enabled, true), isNotNull(psaConnection.credentialsEnc)));
  const ready = rows.filter((r) => readPsaSettings(r.connection).connection);
  if (ready.length === 0) return { error: 'no PSA is connected: connect ConnectWise Manage or Autotask on the Integrations page', reason: 'no-psa' };
  const mapped = ready.find((r) => r.mapping);
  if (!mapped?.mapping) return { error: "the event's tenant is not mapped to a PSA company yet: map it on the Integrations page", reason: 'unmapped' };
  return { connection: mapped.connection, mapping: mapped.mapping };
}

/** Files one alert under the connection's lock: done already, recorded from the PSA, or filed now. */
async function fileOnce(
  tx: DbOrTx,
  client: PsaClient,
  connection: PsaConnectionRow,
  mapping: { companyId: string; routing: Record<string, string> },
  eventId: string,
  publicUrl: string,
): Promise<DeliveryOutcome> {
  const [filed] = await tx
    .select({ number: psaTicket.number })
    .from(psaTicket)
    .where(
      and(
        eq(psaTicket.connectionId, connection.id),
        sql`(${eventId}::uuid = any(${psaTicket.eventIds}) or ${eventId}::uuid = any(${psaTicket.pendingEventIds}))`,
      ),
    )
    .limit(1);
  if (filed) return { ok: true, detail: `already on ticket ${filed.number ?? ''}`.trim() };

  for (const [ref, isFlood] of [
    [`tw:${eventId}`, false],
    [`tw:flood:${eventId}`, true],
  ] as const) {
    const found = await client.findTicketByExternalRef(ref);
    if (found) {
      await recordFound(tx, connection, eventId, found, isFlood);
      return { ok: true, detail: `ticket ${found.number} (created by an earlier attempt)` };
    }
  }

  const settings = readPsaSettings(connection);
  const result = await fileAlert({
    db: tx,
    client,
    connection: { id: connection.id, mspId: connection.mspId, kind: connection.kind },
    settings: settings.operations,
    templates: settings.templates,
    summaryLimit: PSA_PROVIDERS[connection.kind].summaryLimit,
    publicUrl,
    mapping,
    eventId,
  });
  const words = { create: 'created', update: 'noted on', reopen: 'reopened', consolidate: 'gathered for', flood: 'added to flood' }[result.action];
  return { ok: true, detail: `${words} ticket ${result.ticket.number ?? ''}`.trim() };
}

async function recordFound(tx: DbOrTx, connection: PsaConnectionRow, eventId: string, ref: PsaTicketRef, isFlood: boolean): Promise<void> {
  const event = await loadTicketEvent(tx, connection.mspId, eventId);
  const now = new Date();
  await tx.insert(psaTicket).values({
    mspId: connection.mspId,
    connectionId: connection.id,
    kind: connection.kind,
    eventId: event.id,
    tenantId: event.tenantId,
    detectionId: isFlood ? null : event.detectionId,
    externalId: ref.id,
    number: ref.number,
    url: ref.url,
    similarityKey: isFlood ? null : similarityKey(event),
    isFlood,
    eventIds: [event.id],
    lastWrittenAt: now,
    createdAt: now,
    updatedAt: now,
  });
}
