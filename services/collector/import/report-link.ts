import { inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { securityEvent } from '../../../db/schema/index.ts';

const CHUNK = 1_000;

/**
 * The Report's address for the events an import raised or updated: the tenant, every status,
 * and the days their activity spans (an investigation's records are often older than the
 * Report's default 30 days). Null when there are none. The query is the Report page's own
 * (web/src/lib/report/state.ts): `tenant`, `status`, `range=custom`, `from`/`to` as dates.
 * @example await reportLink(db, 'https://tw.example', tenantId, eventIds) // https://tw.example/?tenant=…&status=all&range=custom&from=2025-11-20&to=2025-11-21
 */
export async function reportLink(db: DbOrTx, publicUrl: string, tenantId: string, eventIds: readonly string[]): Promise<string | null> {
  let first: Date | null = null;
  let last: Date | null = null;
  for (let i = 0; i < eventIds.length; i += CHUNK) {
    const [span] = await db
      .select({ first: sql<string | null>`min(${securityEvent.lastSeenAt})`, last: sql<string | null>`max(${securityEvent.lastSeenAt})` })
      .from(securityEvent)
      .where(inArray(securityEvent.id, eventIds.slice(i, i + CHUNK)));
    const from = span?.first ? new Date(span.first) : null;
    const to = span?.last ? new Date(span.last) : null;
    if (from && (!first || from < first)) first = from;
    if (to && (!last || to > last)) last = to;
  }
  if (!first || !last) return null;
  const params = new URLSearchParams({
    tenant: tenantId,
    status: 'all',
    range: 'custom',
    from: first.toISOString().slice(0, 10),
    to: last.toISOString().slice(0, 10),
  });
  return `${publicUrl.replace(/\/+$/, '')}/?${params.toString()}`;
}
