import { eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { securityEvent, SEVERITIES, tenant, type Severity } from '../../../db/schema/index.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { pageInput } from '../pagination.ts';
import { EVENT_SORTS, eventFilterInput, eventSort, eventsWhere, type EventFilter } from './event-query.ts';
import { toEventListItem } from './event-view.ts';

export const listEventsInput = eventFilterInput.extend({
  ...pageInput.shape,
  sort: z.enum(EVENT_SORTS).default('lastSeen'),
  order: z.enum(['asc', 'desc']).default('desc'),
});
export type ListEventsInput = z.input<typeof listEventsInput>;

/**
 * The Report table: a keyset page of the MSP's events under the filter, and the count of every
 * matching event by severity (for the chips above the table).
 * @example await listEvents({ ctx, input: { severity: ['high', 'critical'], sort: 'count', limit: 50 } })
 */
export async function listEvents({ ctx, input }: { ctx: Ctx; input: ListEventsInput }) {
  authorize(ctx, 'event.read');
  const data = listEventsInput.parse(input);
  const now = new Date();
  const page = await pageEvents(ctx, data, { limit: data.limit, cursor: data.cursor, sort: data.sort, order: data.order, now });
  const counts = await countBySeverity(ctx, data, now);
  return { ...page, counts };
}

/** One keyset page; shared by the list, the export and the dry run of a whitelist rule. */
export async function pageEvents(
  ctx: Ctx,
  filter: EventFilter,
  options: { limit: number; cursor?: string | undefined; sort: (typeof EVENT_SORTS)[number]; order: 'asc' | 'desc'; now?: Date; extra?: SQL[] },
) {
  const sort = eventSort(ctx, options.sort, options.order);
  const after = options.cursor ? sort.after(sort.decode(options.cursor)) : undefined;
  const rows = await ctx.db
    .select({ event: getTableColumns(securityEvent), tenantName: tenant.name, tenantIsDemo: tenant.isDemo, keyValues: sort.keyValues })
    .from(securityEvent)
    .innerJoin(tenant, eq(tenant.id, securityEvent.tenantId))
    .where(eventsWhere(ctx, filter, [after, ...(options.extra ?? [])], options.now))
    .orderBy(...sort.orderBy)
    .limit(options.limit + 1);
  const pageRows = rows.slice(0, options.limit);
  const last = pageRows.at(-1);
  return {
    items: pageRows.map((r) => toEventListItem(r.event, r.tenantName, r.tenantIsDemo)),
    nextCursor: rows.length > options.limit && last ? sort.encode(last.keyValues) : null,
  };
}

export type SeverityCounts = Record<Severity, number> & { total: number };

/** How many events match the filter, by severity (cursor and page size do not apply). */
export async function countBySeverity(ctx: Ctx, filter: EventFilter, now?: Date, extra: SQL[] = []): Promise<SeverityCounts> {
  const rows = await ctx.db
    .select({ severity: securityEvent.severity, n: sql<number>`count(*)::int` })
    .from(securityEvent)
    .where(eventsWhere(ctx, filter, extra, now))
    .groupBy(securityEvent.severity);
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as SeverityCounts;
  counts.total = 0;
  for (const r of rows) {
    counts[r.severity] = r.n;
    counts.total += r.n;
  }
  return counts;
}
