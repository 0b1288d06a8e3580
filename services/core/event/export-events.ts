import { z } from 'zod';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { csvRow } from './csv.ts';
import { EVENT_SORTS, eventFilterInput } from './event-query.ts';
import { countBySeverity, pageEvents } from './list-events.ts';

/** An export holds at most this many events; past it the file ends with a note saying so. */
export const EXPORT_MAX_ROWS = 50_000;
const EXPORT_PAGE = 1000;

export const exportEventsInput = eventFilterInput.extend({
  sort: z.enum(EVENT_SORTS).default('lastSeen'),
  order: z.enum(['asc', 'desc']).default('desc'),
  /** Fewer rows than the cap. */
  limit: z.coerce.number().int().min(1).max(EXPORT_MAX_ROWS).default(EXPORT_MAX_ROWS),
});
export type ExportEventsInput = z.input<typeof exportEventsInput>;

const HEADER = [
  'Event id',
  'Last seen (UTC)',
  'First seen (UTC)',
  'Tenant',
  'Severity',
  'Status',
  'Detection',
  'Title',
  'Description',
  'User',
  'IP address',
  'Count',
  'Event type',
  'Result',
  'Workload',
  'Operation',
  'MITRE',
  'Ignored at (UTC)',
] as const;

/**
 * The Report table under the current filter as CSV, produced page by page so a large export never
 * sits in memory: the header row, one row per event, and a closing note when the cap cut it short.
 * @example const file = await exportEvents({ ctx, input: { status: 'all' } }); for await (const chunk of file.chunks) out.write(chunk);
 */
export async function exportEvents({ ctx, input }: { ctx: Ctx; input: ExportEventsInput }) {
  authorize(ctx, 'event.read');
  const data = exportEventsInput.parse(input);
  const now = new Date();
  // Counted first, so a malformed filter is a 400 before any byte is sent, and the size is known.
  const { total } = await countBySeverity(ctx, data, now);
  const rows = Math.min(total, data.limit);
  async function* chunks(): AsyncGenerator<string> {
    yield csvRow(HEADER);
    let cursor: string | undefined;
    let sent = 0;
    while (sent < rows) {
      const page = await pageEvents(ctx, data, { limit: Math.min(EXPORT_PAGE, rows - sent), cursor, sort: data.sort, order: data.order, now });
      let text = '';
      for (const e of page.items) {
        text += csvRow([
          e.id,
          e.lastSeenAt,
          e.firstSeenAt,
          e.tenantName,
          e.severity,
          e.status,
          e.detectionId,
          e.title,
          e.description,
          e.userName,
          e.networkAddress,
          e.count,
          e.eventType,
          e.operationResult,
          e.workload,
          e.operation,
          e.mitre.join(' '),
          e.ignoredAt,
        ]);
      }
      sent += page.items.length;
      if (text) yield text;
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    if (total > sent) yield csvRow([`Export stopped at ${sent} of ${total} events; narrow the filter to export the rest.`]);
  }
  return { total, rows, capped: total > rows, filename: `tenantwatch-events-${now.toISOString().slice(0, 10)}.csv`, chunks: chunks() };
}
