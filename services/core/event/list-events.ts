import { and, desc, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { psaTicket, securityEvent, SEVERITIES, tenant, type Severity } from '../../../db/schema/index.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { pageInput } from '../pagination.ts';
import { EVENT_SORTS, eventConditionParts, eventFilterInput, eventSort, eventsWhere, type EventFilter, type EventSortQuery } from './event-query.ts';
import { toEventListItem } from './event-view.ts';

export const listEventsInput = eventFilterInput.extend({
  ...pageInput.shape,
  sort: z.enum(EVENT_SORTS).default('lastSeen'),
  order: z.enum(['asc', 'desc']).default('desc'),
});
export type ListEventsInput = z.input<typeof listEventsInput>;

/**
 * At most this many events (in the list's order) are tested against a filter-language expression
 * (or the ticket filter) per page: a search that finds few matches answers a short page
 * whose cursor continues after the last event it examined, instead of reading every event.
 */
export const SEARCH_WINDOW = 2_500;
/** Counts by severity stop here: past it the table says "1,000+" (`exact: false`). */
export const COUNT_CAP = 1_000;

/**
 * The Report table: a keyset page of the MSP's events under the filter, and the count of the
 * matching events by severity (for the chips above the table). Counts stop at COUNT_CAP per
 * severity, and with an expression cover the newest SEARCH_WINDOW events under the other filters
 * (free text is answered by its index, over every event); `exact` says whether they are the whole
 * answer. With an expression a page
 * may hold fewer than `limit` events and still have a `nextCursor`: keep paging to search further.
 * @example await listEvents({ ctx, input: { severity: ['high', 'critical'], sort: 'count', limit: 50 } })
 */
export async function listEvents({ ctx, input }: { ctx: Ctx; input: ListEventsInput }) {
  authorize(ctx, 'event.read');
  const data = listEventsInput.parse(input);
  const now = new Date();
  const page = await pageEvents(ctx, data, { limit: data.limit, cursor: data.cursor, sort: data.sort, order: data.order, now, searchWindow: SEARCH_WINDOW });
  const counts = await countBySeverityBounded(ctx, data, now, { cap: COUNT_CAP, searchWindow: SEARCH_WINDOW });
  const tickets = await ticketsOf(
    ctx,
    page.items.map((i) => i.id),
  );
  return { ...page, items: page.items.map((i) => ({ ...i, ticket: tickets.get(i.id) ?? null })), counts };
}

/** The Report's Ticket column: for each event, the newest PSA ticket that stands for it. */
async function ticketsOf(ctx: Ctx, eventIds: string[]) {
  const out = new Map<string, { number: string | null; url: string | null; status: string | null; closed: boolean }>();
  if (eventIds.length === 0) return out;
  const rows = await ctx.db
    .select({ eventIds: psaTicket.eventIds, number: psaTicket.number, url: psaTicket.url, status: psaTicket.status, closed: psaTicket.closed })
    .from(psaTicket)
    .where(
      and(
        eq(psaTicket.mspId, ctx.msp),
        sql`${psaTicket.eventIds} && array[${sql.join(
          eventIds.map((id) => sql`${id}`),
          sql`, `,
        )}]::uuid[]`,
      ),
    )
    .orderBy(psaTicket.createdAt);
  for (const r of rows)
    for (const id of r.eventIds) if (eventIds.includes(id)) out.set(id, { number: r.number, url: r.url, status: r.status, closed: r.closed });
  return out;
}

type PageOptions = {
  limit: number;
  cursor?: string | undefined;
  sort: (typeof EVENT_SORTS)[number];
  order: 'asc' | 'desc';
  now?: Date;
  extra?: SQL[];
  /** Test residual conditions (expressions, the ticket filter) on at most this many events per page. */
  searchWindow?: number;
};

/** One keyset page; shared by the list, the export and the dry run of a whitelist rule. */
export async function pageEvents(ctx: Ctx, filter: EventFilter, options: PageOptions) {
  const sort = eventSort(ctx, options.sort, options.order);
  const { indexed, residual } = eventConditionParts(ctx, filter, options.now);
  const after = options.cursor ? sort.after(sort.decode(options.cursor)) : { outer: [], inner: [] };
  const base = { outer: after.outer, inner: [...indexed, ...after.inner, ...(options.extra ?? [])] };
  // With residual conditions, find the last event of the window first and stop there.
  let boundary: string[] | undefined;
  if (options.searchWindow && residual.length > 0) {
    const [last] = await selectEvents(ctx, sort, base, { limit: 1, offset: options.searchWindow - 1, keysOnly: true });
    boundary = last?.keyValues;
  }
  const through = boundary ? sort.through(boundary) : { outer: [], inner: [] };
  const rows = await selectEvents(
    ctx,
    sort,
    { outer: [...base.outer, ...through.outer], inner: [...base.inner, ...residual, ...through.inner] },
    { limit: options.limit + 1 },
  );
  const pageRows = rows.slice(0, options.limit);
  const last = pageRows.at(-1);
  const next = rows.length > options.limit && last ? last.keyValues : boundary;
  return {
    items: pageRows.map((r) => toEventListItem(r.event!, r.tenantName, r.tenantIsDemo)),
    nextCursor: next ? sort.encode(next) : null,
  };
}

type Conditions = { outer: SQL[]; inner: SQL[] };

/**
 * The rows of a page in the sort's order. The tenant sort walks the MSP's tenants by name and
 * takes each tenant's first rows from its own (tenant, last seen, id) index, so no page ever
 * sorts the MSP's whole history; the lateral subquery keeps the table's name, so every
 * condition and key reads the same in both shapes.
 */
async function selectEvents(ctx: Ctx, sort: EventSortQuery, where: Conditions, options: { limit: number; offset?: number; keysOnly?: boolean }) {
  const offset = options.offset ?? 0;
  if (!sort.byTenant) {
    const query = ctx.db
      .select({
        event: options.keysOnly ? sql<null>`null` : getTableColumns(securityEvent),
        tenantName: tenant.name,
        tenantIsDemo: tenant.isDemo,
        keyValues: sort.keyValues,
      })
      .from(securityEvent)
      .innerJoin(tenant, eq(tenant.id, securityEvent.tenantId))
      .where(and(...where.outer, ...where.inner))
      .orderBy(...sort.orderBy)
      .limit(options.limit)
      .offset(offset);
    return (await query) as { event: EventRow | null; tenantName: string; tenantIsDemo: boolean; keyValues: string[] }[];
  }
  const perTenant = ctx.db
    .select(getTableColumns(securityEvent))
    .from(securityEvent)
    .where(and(eq(securityEvent.tenantId, tenant.id), ...where.inner))
    .orderBy(...sort.innerOrderBy)
    .limit(offset + options.limit)
    .as('security_event');
  const rows = await ctx.db
    .select({
      event: options.keysOnly ? sql<null>`null` : getTableColumns(securityEvent),
      tenantName: tenant.name,
      tenantIsDemo: tenant.isDemo,
      keyValues: sort.keyValues,
    })
    .from(tenant)
    .crossJoinLateral(perTenant)
    .where(and(eq(tenant.mspId, ctx.msp), ...where.outer))
    .orderBy(...sort.orderBy)
    .limit(options.limit)
    .offset(offset);
  return rows as { event: EventRow | null; tenantName: string; tenantIsDemo: boolean; keyValues: string[] }[];
}

type EventRow = typeof securityEvent.$inferSelect;

export type SeverityCounts = Record<Severity, number> & { total: number };

function zeroCounts(): SeverityCounts {
  return { ...(Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>), total: 0 };
}

/** How many events match the filter, by severity, exactly (cursor and page size do not apply). */
export async function countBySeverity(ctx: Ctx, filter: EventFilter, now?: Date, extra: SQL[] = []): Promise<SeverityCounts> {
  const counts = zeroCounts();
  const rows = await ctx.db
    .select({ severity: securityEvent.severity, n: sql<number>`count(*)::int` })
    .from(securityEvent)
    .where(eventsWhere(ctx, filter, extra, now))
    .groupBy(securityEvent.severity);
  for (const r of rows) {
    counts[r.severity] = r.n;
    counts.total += r.n;
  }
  return counts;
}

/**
 * Counts by severity that stay cheap on millions of events: each severity stops at `cap` + 1
 * rows, and residual conditions (expressions, the ticket filter) are tested on the newest `searchWindow`
 * events under the other filters only. `exact` is false when either bound cut the count short: a severity at
 * `cap` then has at least that many ("1,000+"), and the counts of a search are those found so far.
 */
export async function countBySeverityBounded(
  ctx: Ctx,
  filter: EventFilter,
  now: Date | undefined,
  options: { cap: number; searchWindow: number },
): Promise<SeverityCounts & { exact: boolean }> {
  const counts = { ...zeroCounts(), exact: true };
  const { indexed, residual } = eventConditionParts(ctx, filter, now);
  if (residual.length > 0) {
    const window = ctx.db
      .select({ severity: securityEvent.severity, hit: sql<boolean>`(${and(...residual)})`.as('hit') })
      .from(securityEvent)
      .where(and(...indexed))
      .orderBy(desc(securityEvent.lastSeenAt), desc(securityEvent.id))
      .limit(options.searchWindow + 1)
      .as('tw_window');
    const rows = await ctx.db
      .select({ severity: window.severity, n: sql<number>`(count(*) filter (where ${window.hit}))::int`, seen: sql<number>`count(*)::int` })
      .from(window)
      .groupBy(window.severity);
    let seen = 0;
    for (const r of rows) {
      counts[r.severity] = Math.min(r.n, options.cap);
      counts.total += counts[r.severity];
      if (r.n > options.cap) counts.exact = false;
      seen += r.seen;
    }
    if (seen > options.searchWindow) counts.exact = false;
    return counts;
  }
  // One bounded subquery per severity the filter allows: each reads at most cap + 1 rows.
  const wanted = SEVERITIES.filter((s) => !filter.severity || filter.severity.includes(s));
  const columns = wanted.map(
    (s, i) =>
      sql`(select count(*)::int from (select 1 from ${securityEvent} where ${and(...indexed, eq(securityEvent.severity, s))} limit ${options.cap + 1}::int) tw_capped) as ${sql.identifier(`n${i}`)}`,
  );
  const result = await ctx.db.execute(sql`select ${sql.join(columns, sql`, `)}`);
  const [row] = (result as unknown as { rows: Record<string, number | string>[] }).rows;
  wanted.forEach((s, i) => {
    const n = Number(row![`n${i}`]);
    counts[s] = Math.min(n, options.cap);
    counts.total += counts[s];
    if (n > options.cap) counts.exact = false;
  });
  return counts;
}
