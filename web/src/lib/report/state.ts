import type { components, paths } from '$lib/api/schema';

/**
 * The Report page's whole state lives in the address (shareable; Back and Forward restore it):
 * filters, sort, page size and the stack of cursors that led to the current page.
 */

export type EventItem = components['schemas']['Event'];
export type Severity = EventItem['severity'];
export type EventListQuery = NonNullable<paths['/api/v1/events']['get']['parameters']['query']>;
export type EventSort = NonNullable<EventListQuery['sort']>;
export type StatusFilter = NonNullable<EventListQuery['status']>;

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'informational'] as const satisfies readonly Severity[];
export const SEVERITY_LABELS = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', informational: 'Info' } as const satisfies Record<
  Severity,
  string
>;
export const STATUSES = ['unignored', 'ignored', 'all'] as const satisfies readonly StatusFilter[];
export const STATUS_LABELS = { unignored: 'Unignored', ignored: 'Ignored', all: 'All' } as const satisfies Record<StatusFilter, string>;
export const SORTS = ['lastSeen', 'firstSeen', 'severity', 'count', 'detection', 'tenant'] as const satisfies readonly EventSort[];
export const RANGES = ['24h', '7d', '30d', 'all', 'custom'] as const;
export type Range = (typeof RANGES)[number];
export const RANGE_LABELS = { '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days', all: 'All time', custom: 'Custom' } as const satisfies Record<
  Range,
  string
>;
const RANGE_MS = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
export const PAGE_SIZES = [10, 25, 50, 100, 200] as const;

export type ReportState = {
  tenants: string[];
  severities: Severity[];
  detections: string[];
  status: StatusFilter;
  range: Range;
  /** Custom range only: dates (YYYY-MM-DD), `to` inclusive. */
  from: string;
  to: string;
  q: string;
  filter: string;
  /** '' for every event; `with` / `without` a PSA ticket. */
  ticket: '' | 'with' | 'without';
  sort: EventSort;
  order: 'asc' | 'desc';
  limit: number;
  /** The cursors that led here: the last one is the current page's; empty on the first page. */
  cursors: string[];
};

export const DEFAULT_STATE: ReportState = {
  tenants: [],
  severities: [],
  detections: [],
  status: 'unignored',
  range: '30d',
  from: '',
  to: '',
  q: '',
  filter: '',
  ticket: '',
  sort: 'lastSeen',
  order: 'desc',
  limit: 50,
  cursors: [],
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const oneOf = <T extends string>(values: readonly T[], value: string | null, fallback: T): T => (values.includes(value as T) ? (value as T) : fallback);
const many = (params: URLSearchParams, name: string) =>
  params
    .getAll(name)
    .flatMap((v) => v.split(','))
    .filter(Boolean);

/** The state an address holds; anything unknown or malformed falls back to the default. */
export function readState(params: URLSearchParams): ReportState {
  const limit = Number(params.get('limit'));
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  return {
    tenants: many(params, 'tenant'),
    severities: many(params, 'severity').filter((s): s is Severity => (SEVERITIES as readonly string[]).includes(s)),
    detections: many(params, 'detection'),
    status: oneOf(STATUSES, params.get('status'), DEFAULT_STATE.status),
    range: oneOf(RANGES, params.get('range'), DEFAULT_STATE.range),
    from: DATE.test(from) ? from : '',
    to: DATE.test(to) ? to : '',
    q: params.get('q') ?? '',
    filter: params.get('filter') ?? '',
    ticket: oneOf(['', 'with', 'without'] as const, params.get('ticket'), ''),
    sort: oneOf(SORTS, params.get('sort'), DEFAULT_STATE.sort),
    order: oneOf(['asc', 'desc'] as const, params.get('order'), DEFAULT_STATE.order),
    limit: (PAGE_SIZES as readonly number[]).includes(limit) ? limit : DEFAULT_STATE.limit,
    cursors: params.getAll('after').filter(Boolean),
  };
}

/** The address's query for a state; defaults are left out so addresses stay short. */
export function writeState(state: ReportState): URLSearchParams {
  const params = new URLSearchParams();
  for (const t of state.tenants) params.append('tenant', t);
  for (const s of state.severities) params.append('severity', s);
  for (const d of state.detections) params.append('detection', d);
  if (state.status !== DEFAULT_STATE.status) params.set('status', state.status);
  if (state.range !== DEFAULT_STATE.range) params.set('range', state.range);
  if (state.range === 'custom') {
    if (state.from) params.set('from', state.from);
    if (state.to) params.set('to', state.to);
  }
  if (state.q.trim()) params.set('q', state.q.trim());
  if (state.filter.trim()) params.set('filter', state.filter.trim());
  if (state.ticket) params.set('ticket', state.ticket);
  if (state.sort !== DEFAULT_STATE.sort) params.set('sort', state.sort);
  if (state.order !== DEFAULT_STATE.order) params.set('order', state.order);
  if (state.limit !== DEFAULT_STATE.limit) params.set('limit', String(state.limit));
  for (const c of state.cursors) params.append('after', c);
  return params;
}

/** The API's filters for a state (the list, the charts and the export share them). */
export function apiFilters(state: ReportState, now = Date.now()) {
  const query: {
    tenant?: string[];
    severity?: string[];
    detection?: string[];
    status?: StatusFilter;
    from?: string;
    to?: string;
    q?: string;
    filter?: string;
    ticket?: 'with' | 'without';
  } = {};
  if (state.tenants.length) query.tenant = state.tenants;
  if (state.severities.length) query.severity = state.severities;
  if (state.detections.length) query.detection = state.detections;
  query.status = state.status;
  if (state.range === 'custom') {
    if (state.from) query.from = state.from;
    if (state.to) query.to = state.to;
  } else if (state.range !== 'all') {
    query.from = new Date(now - RANGE_MS[state.range]).toISOString();
  }
  if (state.q.trim()) query.q = state.q.trim();
  if (state.filter.trim()) query.filter = state.filter.trim();
  if (state.ticket) query.ticket = state.ticket;
  return query;
}

/** The list's query: the filters plus sort, page size and the current page's cursor. */
export function apiListQuery(state: ReportState, now = Date.now()): EventListQuery {
  const cursor = state.cursors.at(-1);
  return { ...apiFilters(state, now), sort: state.sort, order: state.order, limit: state.limit, ...(cursor ? { cursor } : {}) };
}

/** The CSV export's address for the same filters and sort. */
export function exportHref(state: ReportState, now = Date.now()): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries({ ...apiFilters(state, now), sort: state.sort, order: state.order })) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, String(v));
  }
  return `/api/v1/events/export.csv?${params}`;
}

/** True when anything narrows the events beyond the defaults (the empty state offers to clear it). */
export function isFiltered(state: ReportState): boolean {
  return (
    state.tenants.length > 0 ||
    state.severities.length > 0 ||
    state.detections.length > 0 ||
    state.status !== DEFAULT_STATE.status ||
    state.range !== DEFAULT_STATE.range ||
    state.q.trim() !== '' ||
    state.filter.trim() !== '' ||
    state.ticket !== ''
  );
}

/** The same filters with everything cleared, keeping the table's sort, page size and columns. */
export function clearedFilters(state: ReportState): ReportState {
  return { ...DEFAULT_STATE, sort: state.sort, order: state.order, limit: state.limit };
}
