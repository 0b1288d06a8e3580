import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { importRun } from '../../../db/schema/index.ts';
import type { IpIntelService } from '../../../enrichment/ip/index.ts';
import { importAndDetect, type ImportAndDetectProgress } from '../../pipeline/import-and-detect.ts';
import type { ImportSummary } from '../../collector/import/import-summary.ts';
import { UnrecognisedExportError } from '../../collector/import/read-audit-file.ts';
import type { Logger } from '../../log.ts';
import { writeAudit } from '../audit/write-audit.ts';

export type ImportRunDeps = { db: Db; log?: Logger; ipIntel?: IpIntelService };

type ImportRunRow = typeof importRun.$inferSelect;

/** Event ids a run keeps for the Report link. */
const EVENT_IDS_KEPT = 1_000;
/** Progress is written at most this often. */
const PROGRESS_EVERY_MS = 500;

export const INTERRUPTED = 'interrupted; import the file again — records already stored are skipped';

/** The run's starter as the audit log records them. */
const auditActor = (row: ImportRunRow) => ({
  msp: row.mspId,
  actor:
    row.actorType === 'system' || !row.actorId
      ? ({ type: 'system', role: 'owner' } as const)
      : // The role is not recorded by the audit log, only who acted.
        ({ type: row.actorType, id: row.actorId, userId: row.userId ?? row.actorId, role: 'technician' } as const),
  requestId: row.requestId ?? undefined,
  ip: row.ip ?? undefined,
});

/**
 * Reads a queued import's file into its tenant (importAndDetect), writing progress to the run as
 * it goes, then the summary, the outcome and the audit entry (who, tenant, file, counts) in one
 * transaction. A file that cannot be read at all fails the run with the reason, and is rethrown
 * for a caller in the foreground (the command line).
 */
export async function runImport(
  deps: ImportRunDeps,
  runId: string,
  path: string,
  onProgress?: (progress: ImportAndDetectProgress) => void,
): Promise<ImportSummary> {
  const [row] = await deps.db
    .update(importRun)
    .set({ status: 'running', startedAt: new Date(), heartbeatAt: new Date() })
    .where(and(eq(importRun.id, runId), eq(importRun.status, 'queued')))
    .returning();
  if (!row) throw new Error(`import ${runId} is not queued`);
  let lastWrite = 0;
  let writing: Promise<unknown> = Promise.resolve();
  const progress = (p: ImportAndDetectProgress) => {
    onProgress?.(p);
    const now = Date.now();
    if (now - lastWrite < PROGRESS_EVERY_MS) return;
    lastWrite = now;
    // One write at a time, never awaited by the import itself: progress must not slow it down.
    writing = writing.then(() =>
      deps.db
        .update(importRun)
        .set({ bytesRead: p.bytesRead, recordsRead: p.read, detected: p.detected, heartbeatAt: new Date() })
        .where(eq(importRun.id, runId))
        .catch((err: unknown) => deps.log?.warn({ err, importId: runId }, 'could not record import progress')),
    );
  };

  let summary: ImportSummary;
  try {
    summary = await importAndDetect({ db: deps.db, log: deps.log, ipIntel: deps.ipIntel }, { mspId: row.mspId, tenantId: row.tenantId }, path, progress);
  } catch (err) {
    await writing;
    const unreadable = err instanceof UnrecognisedExportError || (err instanceof Error && 'code' in err && err.code === 'ENOENT');
    if (!unreadable) deps.log?.error({ err, importId: runId }, 'import failed');
    const message = unreadable
      ? (err as Error).message
      : 'The import stopped on an unexpected error; import the file again — records already stored are skipped.';
    await finishRun(deps.db, row, { status: 'failed', error: message, finishedAt: new Date(), heartbeatAt: new Date() }, { status: 'failed', error: message });
    throw err;
  }
  await writing;
  const d = summary.detection;
  await finishRun(
    deps.db,
    row,
    {
      status: 'done',
      format: summary.format,
      encoding: summary.encoding,
      bytesRead: summary.bytesRead,
      recordsRead: summary.read,
      imported: summary.imported,
      duplicates: summary.duplicates,
      quarantined: summary.quarantined,
      quarantine: summary.quarantine,
      unread: summary.unread,
      detected: d.processed,
      eventsCreated: d.eventsCreated,
      eventsUpdated: d.eventsUpdated,
      eventIds: d.eventIds.slice(0, EVENT_IDS_KEPT),
      finishedAt: new Date(),
      heartbeatAt: new Date(),
    },
    {
      status: 'done',
      format: summary.format,
      read: summary.read,
      imported: summary.imported,
      duplicates: summary.duplicates,
      quarantined: summary.quarantined,
      unread: summary.unread !== null,
      eventsCreated: d.eventsCreated,
      eventsUpdated: d.eventsUpdated,
    },
  );
  return summary;
}

async function finishRun(db: Db, row: ImportRunRow, set: Partial<typeof importRun.$inferInsert>, details: Record<string, unknown>) {
  await db.transaction(async (tx) => {
    await tx.update(importRun).set(set).where(eq(importRun.id, row.id));
    await writeAudit(
      tx,
      auditActor(row),
      'tenant.import',
      { type: 'tenant', id: row.tenantId },
      { importId: row.id, fileName: row.fileName, sizeBytes: row.sizeBytes, ...details },
    );
  });
}

/**
 * Runs left queued or running by a process that stopped (a crash, a kill) are failed with a plain
 * reason: their heartbeat is older than `staleSeconds`. Nothing is lost by importing again.
 * @returns the runs marked failed.
 */
export async function failInterruptedImports(db: Db, staleSeconds: number): Promise<string[]> {
  const rows = await db
    .update(importRun)
    .set({ status: 'failed', error: INTERRUPTED, finishedAt: new Date() })
    .where(and(inArray(importRun.status, ['queued', 'running']), lt(importRun.heartbeatAt, sql`now() - make_interval(secs => ${staleSeconds})`)))
    .returning();
  for (const row of rows) {
    await writeAudit(
      db,
      auditActor(row),
      'tenant.import',
      { type: 'tenant', id: row.tenantId },
      { importId: row.id, fileName: row.fileName, status: 'failed', error: INTERRUPTED },
    );
  }
  return rows.map((r) => r.id);
}

/** Keeps a process's own queued and running imports from looking interrupted. */
export async function touchImports(db: Db, runIds: string[]): Promise<void> {
  if (runIds.length === 0) return;
  await db.update(importRun).set({ heartbeatAt: new Date() }).where(inArray(importRun.id, runIds));
}
