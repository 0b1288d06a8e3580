import type { Db } from '../../db/client.ts';
import type { IpIntelService } from '../../enrichment/ip/index.ts';
import { detectActivity } from '../detection/engine.ts';
import { enqueueForEvents } from '../notify/outbox.ts';
import type { Logger } from '../log.ts';
import type { IngestTarget } from '../collector/ingest.ts';
import { importAuditFile, type ImportProgress } from '../collector/import/import-audit-file.ts';
import type { ImportDetection, ImportSummary } from '../collector/import/import-summary.ts';

export type ImportAndDetectProgress = ImportProgress & { detected: number; events: number };

/**
 * Imports an audit export and runs the detections over the records it stored, batch by batch as
 * they are stored, exactly as collected records are: the same engine, rules and whitelist rules,
 * idempotent by activity id (a running product's workers never detect a record twice). The
 * events returned wait for the enrichment stage like any other (`detection.eventIds`).
 * @example const { detection } = await importAndDetect({ db, ipIntel }, { mspId, tenantId }, 'audit.csv')
 */
export async function importAndDetect(
  deps: { db: Db; log?: Logger; ipIntel?: IpIntelService },
  target: IngestTarget,
  path: string,
  onProgress?: (progress: ImportAndDetectProgress) => void,
): Promise<ImportSummary> {
  const detection: ImportDetection = { processed: 0, eventsCreated: 0, eventsUpdated: 0, eventIds: [] };
  const eventIds = new Set<string>();
  let last: ImportProgress = { bytesRead: 0, size: 0, read: 0 };
  const report = () => onProgress?.({ ...last, detected: detection.processed, events: eventIds.size });
  const summary = await importAuditFile(
    deps.db,
    target,
    path,
    (progress) => {
      last = progress;
      report();
    },
    {
      onStored: async (activityIds) => {
        const result = await detectActivity({ ...deps, onEventsCreated: enqueueForEvents }, activityIds);
        detection.processed += result.processed;
        detection.eventsCreated += result.eventsCreated;
        detection.eventsUpdated += result.eventsUpdated;
        for (const id of result.eventIds) eventIds.add(id);
        report();
      },
    },
  );
  detection.eventIds = [...eventIds];
  return { ...summary, detection };
}
