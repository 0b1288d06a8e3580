import type { Db } from '../../../db/client.ts';
import { activityQuarantine } from '../../../db/schema/index.ts';
import { ingestRecords, type IngestTarget } from '../ingest.ts';
import { type ExportFormat, openAuditFile } from './read-audit-file.ts';

export type ImportSummary = { format: ExportFormat; read: number; imported: number; duplicates: number; quarantined: number };
export type ImportProgress = { bytesRead: number; size: number; read: number };

const BATCH = 1_000;

/**
 * Imports an audit export into a tenant's activity (source `import`), for investigations.
 * Idempotent like collection: importing the same file twice imports nothing the second time.
 * Items that are not audit records go to quarantine with their reason. `onStored` receives the
 * ids of each batch's newly stored records (see importAndDetect).
 */
export async function importAuditFile(
  db: Db,
  target: IngestTarget,
  path: string,
  onProgress?: (progress: ImportProgress) => void,
  options: { onStored?: (activityIds: string[]) => Promise<void> } = {},
): Promise<ImportSummary> {
  const file = await openAuditFile(path);
  const summary: ImportSummary = { format: file.format, read: 0, imported: 0, duplicates: 0, quarantined: 0 };
  let batch: unknown[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const result = await ingestRecords(db, target, 'import', batch);
    summary.imported += result.inserted;
    summary.duplicates += result.duplicates;
    summary.quarantined += result.quarantined;
    batch = [];
    // Newly stored records go on (to detection) batch by batch, so memory stays bounded.
    if (result.insertedIds.length > 0) await options.onStored?.(result.insertedIds);
    onProgress?.({ bytesRead: file.bytesRead(), size: file.size, read: summary.read });
  };
  for await (const item of file.items()) {
    summary.read += 1;
    if ('invalid' in item) {
      await db.insert(activityQuarantine).values({ mspId: target.mspId, tenantId: target.tenantId, source: 'import', reason: item.reason, raw: item.invalid });
      summary.quarantined += 1;
      continue;
    }
    batch.push(item.record);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  onProgress?.({ bytesRead: file.size, size: file.size, read: summary.read });
  return summary;
}
