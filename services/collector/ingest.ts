import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { activity, activityQuarantine, type ActivitySource } from '../../db/schema/index.ts';
import { normalizeRecord } from './normalize/index.ts';

export type IngestTarget = { mspId: string; tenantId: string };
export type IngestSummary = { received: number; inserted: number; duplicates: number; quarantined: number; insertedIds: string[] };

// Postgres allows 65,535 bind parameters per statement; 500 rows of ~14 columns stays far below.
const CHUNK = 500;

/**
 * Stores a batch of raw records of one source for one tenant. Idempotent: a record already
 * stored (same tenant, source and record id: the audit API repeats records across blobs) is
 * counted as a duplicate and not written again. A record that cannot be normalised is kept in
 * quarantine with its reason and never stops the batch.
 */
export async function ingestRecords(db: DbOrTx, target: IngestTarget, source: ActivitySource, records: readonly unknown[]): Promise<IngestSummary> {
  const rows: (typeof activity.$inferInsert)[] = [];
  const quarantine: (typeof activityQuarantine.$inferInsert)[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (const raw of records) {
    const result = normalizeRecord(source, raw);
    if (!result.ok) {
      quarantine.push({ mspId: target.mspId, tenantId: target.tenantId, source, reason: result.reason, raw: safeStringify(raw) });
      continue;
    }
    const a = result.activity;
    // The same record twice in one batch (two blobs fetched together) is a duplicate too.
    if (seen.has(a.recordId)) {
      duplicates += 1;
      continue;
    }
    seen.add(a.recordId);
    rows.push({ mspId: target.mspId, tenantId: target.tenantId, source, ...a, raw: raw as object });
  }

  const insertedIds: string[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const inserted = await db
      .insert(activity)
      .values(chunk)
      .onConflictDoNothing({ target: [activity.tenantId, activity.source, activity.recordId] })
      .returning({ id: activity.id });
    insertedIds.push(...inserted.map((r) => r.id));
    duplicates += chunk.length - inserted.length;
  }
  if (quarantine.length > 0) await db.insert(activityQuarantine).values(quarantine);
  return { received: records.length, inserted: insertedIds.length, duplicates, quarantined: quarantine.length, insertedIds };
}

/** JSON text of a record for the quarantine; a value that is not even serialisable is described. */
function safeStringify(raw: unknown): string {
  try {
    return typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? String(raw));
  } catch {
    return String(raw);
  }
}

/** Rows per source for one tenant, for status pages and tests. */
export async function countActivity(db: DbOrTx, tenantId: string) {
  const result = (await db.execute(
    sql`select source, count(*)::int as n from ${activity} where ${activity.tenantId} = ${tenantId} group by source order by source`,
  )) as unknown as { rows: { source: ActivitySource; n: number }[] };
  return result.rows;
}
