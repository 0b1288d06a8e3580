import { and, eq, isNotNull } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { psaConnection } from '../../../db/schema/index.ts';
import type { SecretBox } from '../../crypto.ts';
import type { Logger } from '../../log.ts';
import { PSA_PROVIDERS } from '../../psa/providers.ts';
import { readBackTicketStatuses, type StatusReadResult } from '../../psa/status-sync.ts';
import { flushConsolidated } from '../../psa/ticketing.ts';
import { PsaError } from '../../psa/types.ts';
import { readPsaSettings, storedPsaClient } from './psa-connection.ts';

/**
 * The scheduled PSA round for every enabled connection: writes the similar alerts gathered
 * during the consolidation interval, then reads each ticket's status back (and resolves events
 * of closed tickets where the connection says so). One connection failing does not stop the
 * others; the next round tries it again.
 */
export async function syncPsaTickets(deps: { db: DbOrTx; secrets: SecretBox; publicUrl: string; log: Logger; now?: Date }) {
  const rows = await deps.db
    .select()
    .from(psaConnection)
    .where(and(eq(psaConnection.enabled, true), isNotNull(psaConnection.credentialsEnc)));
  const out: { connectionId: string; kind: string; flushed?: number; status?: StatusReadResult; error?: string }[] = [];
  for (const row of rows) {
    const settings = readPsaSettings(row);
    if (!settings.connection) continue;
    try {
      const client = storedPsaClient({ secrets: deps.secrets }, row, { retries: 1 });
      const connection = { id: row.id, mspId: row.mspId, kind: row.kind };
      const flushed = await flushConsolidated({
        db: deps.db,
        client,
        connection,
        settings: settings.operations,
        templates: settings.templates,
        summaryLimit: PSA_PROVIDERS[row.kind].summaryLimit,
        publicUrl: deps.publicUrl,
        ...(deps.now ? { now: deps.now } : {}),
      });
      const status = await readBackTicketStatuses({ db: deps.db, client, connection, settings: settings.operations, ...(deps.now ? { now: deps.now } : {}) });
      out.push({ connectionId: row.id, kind: row.kind, flushed, status });
    } catch (e) {
      const error = e instanceof PsaError ? e.message : e instanceof Error ? e.message : String(e);
      deps.log.warn({ connectionId: row.id, kind: row.kind, error }, 'PSA ticket round failed; the next round tries again');
      out.push({ connectionId: row.id, kind: row.kind, error });
    }
  }
  return out;
}
