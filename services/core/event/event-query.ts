import { and, asc, desc, eq, gte, ilike, inArray, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { eventSearchText, psaTicket, securityEvent, SEVERITIES, tenant } from '../../../db/schema/index.ts';
import { compileToSql } from '../../language/index.ts';
import type { Ctx } from '../context.ts';
import { decodeSignedCursor, encodeSignedCursor } from '../pagination.ts';
import { parseFilterInput } from './filter-expression.ts';

/** Report table sorts; each is a keyset whose last key is the id, so ties never repeat or skip rows. */
export const EVENT_SORTS = ['lastSeen', 'firstSeen', 'severity', 'count', 'detection', 'tenant'] as const;
export type EventSort = (typeof EVENT_SORTS)[number];

/** unignored: open and resolved (the Report table's default); ignored: ignored by hand or by a rule. */
export const EVENT_STATUS_FILTERS = ['unignored', 'ignored', 'all'] as const;

/** `a,b` or repeated parameters (`?tenant=a&tenant=b`), both as a list. */
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => {
    if (value === undefined || value === null) return undefined;
    const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]));
    const kept = parts.map((v) => (typeof v === 'string' ? v.trim() : v)).filter((v) => v !== '');
    return kept.length > 0 ? kept : undefined;
  }, z.array(item).max(200).optional());

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
/** An ISO date or date-time; a date alone means its whole day (UTC), so `to` includes that day. */
const instant = (end: boolean) =>
  z
    .union([z.iso.datetime({ offset: true }), z.iso.date()])
    .transform((v) => (DATE_ONLY.test(v) && end ? new Date(Date.parse(`${v}T00:00:00Z`) + 86_400_000) : new Date(v)))
    .optional();

/** The Report table's filters; the same input drives the list, the counts, the export and the charts. */
export const eventFilterInput = z.object({
  tenant: list(z.uuid({ message: 'expected tenant ids' })),
  severity: list(z.enum(SEVERITIES)),
  detection: list(z.string().min(1).max(200)),
  status: z.enum(EVENT_STATUS_FILTERS).default('unignored'),
  /** Last seen at or after. */
  from: instant(false),
  /** Last seen before (a date alone: up to the end of that day). */
  to: instant(true),
  /** Free text in the title, description, user name or IP address. */
  q: z.string().trim().max(200).optional(),
  /** A filter-language expression, e.g. `Event.Severity >= 'high' AND IP.CountryCode <> 'NL'`. */
  filter: z.string().max(10_000).optional(),
  /** Only events a PSA ticket stands for (`with`), or only those without one. */
  ticket: z.enum(['with', 'without']).optional(),
});
export type EventFilterInput = z.input<typeof eventFilterInput>;
export type EventFilter = z.output<typeof eventFilterInput>;

/** `%`, `_` and `\` in user text match themselves in ILIKE. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The WHERE conditions of a filter, always scoped to the caller's MSP first. `indexed` are the ones
 * an index answers (tenant, severity, detection, status, dates, free text through its trigram
 * index); `residual` are tested row by row (filter-language expressions, the ticket filter), so a
 * list bounds how many rows it tests per page.
 */
export function eventConditionParts(ctx: Pick<Ctx, 'msp'>, filter: EventFilter, now = new Date()): { indexed: SQL[]; residual: SQL[] } {
  const indexed: SQL[] = [eq(securityEvent.mspId, ctx.msp)];
  if (filter.tenant) indexed.push(inArray(securityEvent.tenantId, filter.tenant));
  if (filter.severity) indexed.push(inArray(securityEvent.severity, filter.severity));
  if (filter.detection) indexed.push(inArray(securityEvent.detectionId, filter.detection));
  // Written as "not ignored" rather than IN (open, resolved): one range of the time index, not two to merge.
  if (filter.status === 'unignored') indexed.push(ne(securityEvent.status, 'ignored'));
  else if (filter.status === 'ignored') indexed.push(eq(securityEvent.status, 'ignored'));
  if (filter.from) indexed.push(gte(securityEvent.lastSeenAt, filter.from));
  if (filter.to) indexed.push(lt(securityEvent.lastSeenAt, filter.to));
  if (filter.q) {
    // The trigram index on the joined text finds the candidates among every event; each column is
    // then tested on its own, so a match never spans two of them.
    const pattern = `%${escapeLike(filter.q)}%`;
    indexed.push(
      and(
        ilike(eventSearchText(securityEvent), pattern),
        or(
          ilike(securityEvent.title, pattern),
          ilike(securityEvent.description, pattern),
          ilike(securityEvent.userName, pattern),
          ilike(securityEvent.networkAddress, pattern),
        ),
      )!,
    );
  }
  const residual: SQL[] = [];
  if (filter.ticket) {
    // Tested row by row (a ticket lists every event it stands for), so the search window bounds it.
    const has = sql`exists (select 1 from ${psaTicket} where ${psaTicket.mspId} = ${securityEvent.mspId} and ${securityEvent.id} = any(${psaTicket.eventIds}))`;
    residual.push(filter.ticket === 'with' ? has : sql`not ${has}`);
  }
  if (filter.filter?.trim()) residual.push(compileToSql(parseFilterInput(filter.filter, 'filter'), { now }));
  return { indexed, residual };
}

/** Every condition of a filter (see eventConditionParts). */
export function eventConditions(ctx: Pick<Ctx, 'msp'>, filter: EventFilter, now = new Date()): SQL[] {
  const { indexed, residual } = eventConditionParts(ctx, filter, now);
  return [...indexed, ...residual];
}

type KeyType = 'timestamptz' | 'severity' | 'int4' | 'text' | 'uuid';
type SortKey = { expr: SQL; type: KeyType };

const key = (expr: SQL, type: KeyType): SortKey => ({ expr, type });
const LAST_SEEN = key(sql`${securityEvent.lastSeenAt}`, 'timestamptz');
const ID = key(sql`${securityEvent.id}`, 'uuid');

/** Each sort's keys, most significant first; within equal values newer events come first (in the sort's direction). */
const SORT_KEYS: Record<EventSort, SortKey[]> = {
  lastSeen: [LAST_SEEN, ID],
  firstSeen: [key(sql`${securityEvent.firstSeenAt}`, 'timestamptz'), ID],
  // Enum comparison follows the declared order: informational < ... < critical.
  severity: [key(sql`${securityEvent.severity}`, 'severity'), LAST_SEEN, ID],
  count: [key(sql`${securityEvent.count}`, 'int4'), LAST_SEEN, ID],
  detection: [key(sql`${securityEvent.title}`, 'text'), LAST_SEEN, ID],
  tenant: [key(sql`${tenant.name}`, 'text'), LAST_SEEN, ID],
};

/** The cast of a cursor value back to its key's type; names come from this closed set only. */
const CASTS: Record<KeyType, SQL> = {
  timestamptz: sql.raw('timestamptz'),
  severity: sql.raw('severity'),
  int4: sql.raw('int4'),
  text: sql.raw('text'),
  uuid: sql.raw('uuid'),
};

export type SortOrder = 'asc' | 'desc';

/** Beyond any real key value, for the keys the tenant sort compares inside one tenant. */
const EXTREMES = {
  timestamptz: { low: sql.raw(`'-infinity'::timestamptz`), high: sql.raw(`'infinity'::timestamptz`) },
  uuid: { low: sql.raw(`'00000000-0000-0000-0000-000000000000'::uuid`), high: sql.raw(`'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid`) },
} as const;

/** Keyset comparisons: `after` a cursor (strict), `through` a boundary row (inclusive). */
type Comparison = '<' | '>' | '<=' | '>=';

/**
 * A sort as the query needs it: ORDER BY, the key values to select (as exact text, so timestamps
 * keep their microseconds), the keyset conditions after a cursor, and the cursor codec.
 *
 * Conditions come as `outer` and `inner` parts. The tenant sort reads each tenant's events from
 * its own index (a lateral join over the tenants by name, see pageEvents): `outer` applies to
 * the tenant row, `inner` to its events, where the comparison of (last seen, id) only holds for
 * the cursor's own tenant name and every other tenant compares against an extreme value, which
 * keeps it an index condition. Other sorts put everything in `inner`.
 */
export function eventSort(ctx: Pick<Ctx, 'msp' | 'secrets'>, sort: EventSort, order: SortOrder) {
  const keys = SORT_KEYS[sort];
  const scope = `events:${ctx.msp}:${sort}:${order}`;
  const shape = z.array(z.string().max(400)).length(keys.length) as unknown as z.ZodType<string[]>;
  const value = (values: readonly string[], i: number) => sql`${values[i]}::${CASTS[keys[i]!.type]}`;
  const row = (parts: SQL[]) => sql.join(parts, sql`, `);
  function compare(values: readonly string[], op: Comparison): { outer: SQL[]; inner: SQL[] } {
    const operator = sql.raw(op);
    if (sort !== 'tenant') return { outer: [], inner: [sql`(${row(keys.map((k) => k.expr))}) ${operator} (${row(keys.map((_, i) => value(values, i)))})`] };
    const name = value(values, 0);
    // Going down (<, <=) every other tenant compares against the highest value, going up against the lowest.
    const end = op.startsWith('<') ? 'high' : 'low';
    const rest = keys
      .slice(1)
      .map((k, i) => sql`CASE WHEN ${tenant.name} = ${name} THEN ${value(values, i + 1)} ELSE ${EXTREMES[k.type as 'timestamptz' | 'uuid'][end]} END`);
    const inclusive = sql.raw(op.startsWith('<') ? '<=' : '>=');
    return {
      outer: [sql`${tenant.name} ${inclusive} ${name}`],
      inner: [sql`(${row(keys.slice(1).map((k) => k.expr))}) ${operator} (${row(rest)})`],
    };
  }
  return {
    /** The tenant sort pages through a lateral join (see above). */
    byTenant: sort === 'tenant',
    orderBy: keys.map((k) => (order === 'desc' ? desc(k.expr) : asc(k.expr))),
    /** ORDER BY within one tenant (the tenant sort's inner query). */
    innerOrderBy: keys.slice(1).map((k) => (order === 'desc' ? desc(k.expr) : asc(k.expr))),
    keyValues: sql<string[]>`array[${row(keys.map((k) => sql`(${k.expr})::text`))}]`,
    /** Rows after the cursor's row. */
    after: (values: readonly string[]) => compare(values, order === 'desc' ? '<' : '>'),
    /** Rows up to and including a boundary row. */
    through: (values: readonly string[]) => compare(values, order === 'desc' ? '>=' : '<='),
    encode: (values: readonly string[]) => encodeSignedCursor(ctx.secrets, scope, values),
    decode: (cursor: string) => decodeSignedCursor(ctx.secrets, scope, cursor, shape),
  };
}
export type EventSortQuery = ReturnType<typeof eventSort>;

/** Every condition of the filter plus the tenant join the sort or the view needs. */
export function eventsWhere(ctx: Pick<Ctx, 'msp'>, filter: EventFilter, extra: (SQL | undefined)[] = [], now?: Date): SQL {
  return and(...eventConditions(ctx, filter, now), ...extra)!;
}
