import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { csvRow } from '../event/csv.ts';
import { listAudit, listAuditInput, type ListAuditInput } from './list-audit.ts';

/** Rows in one export at most; a last line says when more matched. */
export const AUDIT_EXPORT_MAX_ROWS = 50_000;

/**
 * The audit log under the same filters as the page, as CSV (newest first): when, who, through
 * which API token, the action, its target, the address, the details as JSON. Cells a
 * spreadsheet would read as a formula are neutralised (csv.ts).
 * @example const csv = await exportAuditCsv({ ctx, input: { action: 'remediation.' } })
 */
export async function exportAuditCsv({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: Omit<ListAuditInput, 'limit' | 'cursor'>;
}): Promise<{ csv: string; rows: number; truncated: boolean }> {
  authorize(ctx, 'audit.read');
  const filters = listAuditInput.omit({ limit: true, cursor: true }).parse(input);
  const lines = [csvRow(['time_utc', 'who', 'actor_type', 'api_token', 'action', 'target_type', 'target_id', 'ip', 'details'])];
  let cursor: string | undefined;
  let rows = 0;
  let truncated = false;
  do {
    const page = await listAudit({ ctx, input: { ...filters, limit: 500, ...(cursor ? { cursor } : {}) } });
    for (const e of page.items) {
      if (rows >= AUDIT_EXPORT_MAX_ROWS) {
        truncated = true;
        break;
      }
      const who = e.actor.type === 'system' ? 'Tenantwatch' : (e.actor.email ?? 'a removed user');
      lines.push(
        csvRow([
          e.at,
          who,
          e.actor.type,
          e.actor.token,
          e.action,
          e.target?.type ?? '',
          e.target?.id ?? '',
          e.ip ?? '',
          e.details ? JSON.stringify(e.details) : '',
        ]),
      );
      rows++;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor && !truncated);
  if (truncated) lines.push(csvRow([`More entries matched; this export stops at ${AUDIT_EXPORT_MAX_ROWS} rows. Narrow the dates to export the rest.`]));
  return { csv: lines.join(''), rows, truncated };
}
