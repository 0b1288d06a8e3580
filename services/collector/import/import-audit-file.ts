import type { Db } from '../../../db/client.ts';
import { activityQuarantine, type ActivitySource } from '../../../db/schema/index.ts';
import { routeImportRecord } from './entra-exports.ts';
import { ingestRecords, type IngestTarget } from '../ingest.ts';
import { QUARANTINE_KEPT, type ImportSummary } from './import-summary.ts';
import { describePosition, type ItemPosition, openAuditFile } from './read-audit-file.ts';

/** An import's summary before detection (see importAndDetect). */
export type ImportFileSummary = Omit<ImportSummary, 'detection'>;
export type ImportProgress = { bytesRead: number; size: number; read: number };

/** Records per batch stored and handed on (to detection) together. */
export const IMPORT_BATCH = 2_000;

/**
 * Imports an audit export into a tenant's activity (source `import`), for investigations.
 * Idempotent like collection: importing the same file twice imports nothing the second time.
 * Items that are not audit records go to quarantine with their line or record number and reason;
 * the good records around them are imported. A file that cannot be read to the end keeps what
 * came before the bad point and says why in `unread`. `onStored` receives the ids of each
 * batch's newly stored records (see importAndDetect).
 *
 * A pipeline with bounded memory: the file streams in, and while one batch is being stored and
 * handed on, the next is read and parsed; reading then waits for the store (one batch in the
 * database at a time, in file order), so at most two batches are held whatever the file's size.
 */
export async function importAuditFile(
  db: Db,
  target: IngestTarget,
  path: string,
  onProgress?: (progress: ImportProgress) => void,
  options: { onStored?: (activityIds: string[]) => Promise<void> } = {},
): Promise<ImportFileSummary> {
  const file = await openAuditFile(path);
  const summary: ImportFileSummary = {
    format: file.format,
    encoding: file.encoding,
    read: 0,
    imported: 0,
    duplicates: 0,
    quarantined: 0,
    quarantine: [],
    unread: null,
    bytesRead: 0,
    size: file.size,
  };
  const keep = (at: ItemPosition, reason: string) => {
    summary.quarantined += 1;
    if (summary.quarantine.length < QUARANTINE_KEPT) summary.quarantine.push({ at, reason });
  };
  type Batch = { source: ActivitySource; raw: unknown; at: ItemPosition }[];
  let batch: Batch = [];
  const store = async (items: Batch) => {
    // Entra ID and alert records are stored as the Graph records they are (entra-exports.ts).
    const bySource = new Map<ActivitySource, Batch>();
    for (const item of items) (bySource.get(item.source) ?? bySource.set(item.source, []).get(item.source)!).push(item);
    const stored: string[] = [];
    for (const [source, items] of bySource) {
      const result = await ingestRecords(
        db,
        target,
        source,
        items.map((i) => i.raw),
        { describe: (i) => describePosition(items[i]!.at) },
      );
      summary.imported += result.inserted;
      summary.duplicates += result.duplicates;
      for (const r of result.rejected) keep(items[r.index]!.at, r.reason);
      stored.push(...result.insertedIds);
    }
    // Newly stored records go on (to detection) batch by batch, so memory stays bounded.
    if (stored.length > 0) await options.onStored?.(stored);
    onProgress?.({ bytesRead: file.bytesRead(), size: file.size, read: summary.read });
  };
  /** The batch in the database; its failure is thrown by the next `settle`. */
  let storing: Promise<void> = Promise.resolve();
  const settle = () => storing;
  const flush = async () => {
    // Backpressure: the batch before must be stored before this one starts.
    await settle();
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    storing = store(items);
    // Awaited by the next settle; marked handled so a failure waits for it there.
    storing.catch(() => {});
  };
  const quarantineItem = async (at: ItemPosition, reason: string, raw: string) => {
    // Stored in file order with the batch before it, so the quarantine reads like the file.
    await flush();
    await settle();
    await db.insert(activityQuarantine).values({
      mspId: target.mspId,
      tenantId: target.tenantId,
      source: 'import',
      reason: `${describePosition(at)}: ${reason}`,
      raw: raw.replaceAll('\u0000', '\uFFFD'),
    });
    keep(at, reason);
  };
  for await (const item of file.items()) {
    if ('unread' in item) {
      summary.unread = item.unread;
      break;
    }
    summary.read += 1;
    if ('invalid' in item) {
      await quarantineItem(item.at, item.reason, item.invalid);
      continue;
    }
    const routed = routeImportRecord(item.record);
    if ('reason' in routed) {
      await quarantineItem(item.at, routed.reason, JSON.stringify(item.record));
      continue;
    }
    batch.push({ ...routed, at: item.at });
    if (batch.length >= IMPORT_BATCH) await flush();
  }
  await flush();
  await settle();
  summary.bytesRead = summary.unread === null ? file.size : file.bytesRead();
  onProgress?.({ bytesRead: summary.bytesRead, size: file.size, read: summary.read });
  return summary;
}
