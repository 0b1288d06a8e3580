import { api } from '$lib/api/client';
import { unwrap } from '$lib/api/errors';
import type { EventListQuery } from './state';

/**
 * The Report's reads, by GET while the filters fit comfortably in an address, by POST with the
 * same parameters as a JSON body when a long expression or search would not (servers refuse
 * addresses over about 16 KB, and an expression may hold 10,000 characters).
 */
const LONG_FILTER_CHARS = 1_000;

type Filters = Pick<EventListQuery, 'filter' | 'q'>;
export const needsBody = (query: Filters) => (query.filter?.length ?? 0) + (query.q?.length ?? 0) > LONG_FILTER_CHARS;

export function fetchEvents(query: EventListQuery) {
  return needsBody(query) ? api.POST('/api/v1/events/query', { body: query }) : api.GET('/api/v1/events', { params: { query } });
}

export function fetchSummary(query: Omit<EventListQuery, 'sort' | 'order' | 'limit' | 'cursor'>) {
  return needsBody(query) ? api.POST('/api/v1/events/summary', { body: query }) : api.GET('/api/v1/events/summary', { params: { query } });
}

/** Downloads the CSV export through a POST, for filters too long for the export link. */
export async function downloadExport(query: Omit<EventListQuery, 'limit' | 'cursor'>): Promise<void> {
  const result = await api.POST('/api/v1/events/export.csv', { body: query, parseAs: 'blob' });
  const file = unwrap(result) as Blob;
  const name = /filename="([^"]+)"/.exec(result.response.headers.get('content-disposition') ?? '')?.[1] ?? 'tenantwatch-events.csv';
  const url = URL.createObjectURL(file);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
