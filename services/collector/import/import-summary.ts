import type { ExportFormat, ItemPosition, TextEncoding } from './read-audit-file.ts';

/** One item that went to quarantine: where it was in the file and why. */
export type QuarantinedItem = { at: ItemPosition; reason: string };

/** What the detections made of the imported records. */
export type ImportDetection = { processed: number; eventsCreated: number; eventsUpdated: number; eventIds: string[] };

/**
 * The outcome of one import, as the command line prints it and the Import page shows it.
 * `quarantine` keeps the first QUARANTINE_KEPT items; `quarantined` counts them all.
 */
export type ImportSummary = {
  format: ExportFormat;
  encoding: TextEncoding;
  /** Items read from the file: records, and items that were not records. */
  read: number;
  imported: number;
  /** Records already stored (an earlier import, or collection), skipped. */
  duplicates: number;
  quarantined: number;
  quarantine: QuarantinedItem[];
  /** Why the rest of the file could not be read (a cut or corrupt file); null when it was read to the end. */
  unread: string | null;
  bytesRead: number;
  size: number;
  detection: ImportDetection;
};

/** Quarantined items kept with their reason in a summary (the count covers every one). */
export const QUARANTINE_KEPT = 100;

/** Reasons printed before "… and N more". */
export const REASONS_SHOWN = 10;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The summary as the lines the command line prints; the Import page shows the same lines.
 * @example formatImportSummary(summary, { tenant: 'Contoso', file: 'audit.csv' })[0]
 *   // 'Imported 200 records into Contoso from audit.csv (purview-csv): 0 already stored, 1 quarantined.'
 */
export function formatImportSummary(summary: ImportSummary, names: { tenant: string; file: string }, reasonsShown = REASONS_SHOWN): string[] {
  const encoding = summary.encoding === 'utf-8' ? '' : `, ${summary.encoding.toUpperCase()}`;
  const lines = [
    `Imported ${plural(summary.imported, 'record')} into ${names.tenant} from ${names.file} (${summary.format}${encoding}): ${summary.duplicates} already stored, ${summary.quarantined} quarantined.`,
  ];
  if (summary.quarantined > 0) {
    lines.push(`Quarantined (kept with the reason, not imported):`);
    const shown = summary.quarantine.slice(0, reasonsShown);
    for (const q of shown) lines.push(`  ${q.at.unit} ${q.at.number}: ${q.reason}`);
    if (summary.quarantined > shown.length) lines.push(`  … and ${summary.quarantined - shown.length} more`);
  }
  if (summary.unread !== null) {
    lines.push(
      `NOT READ TO THE END: ${summary.unread}. Only the records before that point were imported; fix or re-export the file and import it again (records already stored are skipped).`,
    );
  }
  if (summary.read === 0 && summary.unread === null) lines.push('The file holds no audit records.');
  const d = summary.detection;
  lines.push(`Detection: ${d.processed} records examined, ${plural(d.eventsCreated, 'event')} raised, ${plural(d.eventsUpdated, 'event')} updated.`);
  return lines;
}

/**
 * The command's exit status: 1 when anything was quarantined or left unread (what was good is
 * stored all the same), so scripts notice a partial import.
 */
export function importExitCode(summary: Pick<ImportSummary, 'quarantined' | 'unread'>): 0 | 1 {
  return summary.quarantined > 0 || summary.unread !== null ? 1 : 0;
}
