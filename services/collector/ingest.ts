import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { activity, activityQuarantine, type ActivitySource } from '../../db/schema/index.ts';
import { type NormalizedActivity, normalizeRecord } from './normalize/index.ts';

export type IngestTarget = { mspId: string; tenantId: string };
export type IngestSummary = {
  received: number;
  inserted: number;
  duplicates: number;
  quarantined: number;
  insertedIds: string[];
  /** The records that went to quarantine: their index in the batch and the reason. */
  rejected: { index: number; reason: string }[];
};

const CHUNK = 1_000;

/**
 * Stores a batch of raw records of one source for one tenant. Idempotent: a record already
 * stored (same tenant, source and record id: the audit API repeats records across blobs) is
 * counted as a duplicate and not written again. A record that cannot be normalised is kept in
 * quarantine with its reason and never stops the batch.
 */
export async function ingestRecords(
  db: DbOrTx,
  target: IngestTarget,
  source: ActivitySource,
  records: readonly unknown[],
  options: { describe?: (index: number) => string } = {},
): Promise<IngestSummary> {
  const rows: (NormalizedActivity & { raw: unknown })[] = [];
  const quarantine: (typeof activityQuarantine.$inferInsert)[] = [];
  const rejected: IngestSummary['rejected'] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (const [index, raw] of records.entries()) {
    const result = normalizeRecord(source, raw);
    if (!result.ok) {
      rejected.push({ index, reason: result.reason });
      // Where the record was (an import's line number) goes with the reason, for whoever reads the quarantine.
      const where = options.describe?.(index);
      quarantine.push({
        mspId: target.mspId,
        tenantId: target.tenantId,
        source,
        reason: where ? `${where}: ${result.reason}` : result.reason,
        raw: safeStringify(raw),
      });
      continue;
    }
    const a = result.activity;
    // The same record twice in one batch (two blobs fetched together) is a duplicate too.
    if (seen.has(a.recordId)) {
      duplicates += 1;
      continue;
    }
    seen.add(a.recordId);
    rows.push({ ...a, raw });
  }

  const insertedIds: string[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const inserted = await insertActivityRows(db, target, source, chunk);
    insertedIds.push(...inserted);
    duplicates += chunk.length - inserted.length;
  }
  if (quarantine.length > 0) await db.insert(activityQuarantine).values(quarantine);
  return { received: records.length, inserted: insertedIds.length, duplicates, quarantined: quarantine.length, insertedIds, rejected };
}

/**
 * One statement per chunk with the rows as a single JSON parameter, unpacked by Postgres
 * (`jsonb_to_recordset`): several times faster than a bound parameter per column per row, and
 * the same on PGlite and a server. Records that repeat are skipped by the unique key.
 */
async function insertActivityRows(
  db: DbOrTx,
  target: IngestTarget,
  source: ActivitySource,
  chunk: (NormalizedActivity & { raw: unknown })[],
): Promise<string[]> {
  const json = JSON.stringify(
    chunk.map((a) => ({
      record_id: a.recordId,
      occurred_at: a.occurredAt.toISOString(),
      workload: a.workload,
      operation: a.operation,
      record_type: a.recordType,
      actor_id: a.actorId,
      actor_upn: a.actorUpn,
      client_ip: a.clientIp,
      user_agent: a.userAgent,
      result: a.result,
      target: a.target,
      raw: a.raw,
    })),
    // Postgres text and jsonb cannot hold U+0000, which attacker-written fields may contain.
    (_key, value: unknown) => (typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value),
  );
  const result = (await db.execute(sql`
    insert into ${activity} (msp_id, tenant_id, source, record_id, occurred_at, workload, operation, record_type, actor_id, actor_upn, client_ip, user_agent, result, target, raw)
    select ${target.mspId}::uuid, ${target.tenantId}::uuid, ${source}::activity_source, x.record_id, x.occurred_at, x.workload, x.operation, x.record_type,
           x.actor_id, x.actor_upn, x.client_ip, x.user_agent, x.result, x.target, x.raw
    from jsonb_to_recordset(${json}::jsonb) as x(record_id text, occurred_at timestamptz, workload text, operation text, record_type integer,
         actor_id text, actor_upn text, client_ip text, user_agent text, result text, target text, raw jsonb)
    on conflict (tenant_id, source, record_id) do nothing
    returning id`)) as unknown as { rows: { id: string }[] };
  return result.rows.map((r) => r.id);
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
