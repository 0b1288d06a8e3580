import type { importRun } from '../../../db/schema/index.ts';
import { formatImportSummary, importExitCode, type ImportSummary } from '../../collector/import/import-summary.ts';
import type { ExportFormat, TextEncoding } from '../../collector/import/read-audit-file.ts';

type ImportRunRow = typeof importRun.$inferSelect;

/** The summary a finished run keeps, in the shape the command line formats. */
export function summaryOfRun(row: ImportRunRow): ImportSummary {
  return {
    format: (row.format ?? 'json-array') as ExportFormat,
    encoding: (row.encoding ?? 'utf-8') as TextEncoding,
    read: row.recordsRead,
    imported: row.imported,
    duplicates: row.duplicates,
    quarantined: row.quarantined,
    quarantine: row.quarantine,
    unread: row.unread,
    bytesRead: row.bytesRead,
    size: row.sizeBytes,
    detection: { processed: row.detected, eventsCreated: row.eventsCreated, eventsUpdated: row.eventsUpdated, eventIds: row.eventIds },
  };
}

/** An import run as the API shows it: progress while it runs, the summary (the command line's lines) once done. */
export function toImportView(row: ImportRunRow, names: { tenantName: string; startedBy: string | null }, now = Date.now()) {
  const started = row.startedAt?.getTime();
  const seconds = started ? ((row.finishedAt?.getTime() ?? now) - started) / 1000 : 0;
  const done = row.status === 'done';
  const summary = summaryOfRun(row);
  return {
    id: row.id,
    tenantId: row.tenantId,
    tenantName: names.tenantName,
    fileName: row.fileName,
    sizeBytes: row.sizeBytes,
    status: row.status,
    startedBy: names.startedBy,
    format: row.format,
    encoding: row.encoding,
    bytesRead: row.bytesRead,
    recordsRead: row.recordsRead,
    recordsPerSecond: seconds > 0 ? Math.round(row.recordsRead / seconds) : 0,
    imported: row.imported,
    duplicates: row.duplicates,
    quarantined: row.quarantined,
    quarantine: row.quarantine,
    unread: row.unread,
    detected: row.detected,
    eventsCreated: row.eventsCreated,
    eventsUpdated: row.eventsUpdated,
    eventIds: row.eventIds,
    error: row.error,
    /** True when every item of the file was imported or already stored (the command line then exits 0). */
    complete: done && importExitCode(summary) === 0,
    summaryLines: done ? formatImportSummary(summary, { tenant: names.tenantName, file: row.fileName }) : [],
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

export type ImportView = ReturnType<typeof toImportView>;
