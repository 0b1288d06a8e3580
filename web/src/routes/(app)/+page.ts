import { api } from '$lib/api/client';
import { toApiError, unwrap, type ErrorDetail } from '$lib/api/errors';
import { failLoad, loaded } from '$lib/api/load';
import { fetchEvents, fetchSummary } from '$lib/report/events-api';
import { apiFilters, apiListQuery, readState } from '$lib/report/state';
import type { PageLoad } from './$types';

type Detections = Awaited<ReturnType<typeof fetchDetections>>;
let detections: Promise<Detections> | undefined;

/** The built-in detections change only with a release: read once per page load of the app. */
function fetchDetections() {
  return api.GET('/api/v1/detections').then((r) => unwrap(r).items.map((d) => ({ id: d.id, title: d.title, severity: d.severity })));
}

// The Report: everything comes from the address, so a shared link or Back shows the same table.
export const load: PageLoad = async ({ url }) => {
  const state = readState(url.searchParams);
  const now = Date.now();
  detections ??= fetchDetections().catch((err: unknown) => {
    detections = undefined;
    throw err;
  });
  const [list, summary, tenants, known] = await Promise.all([
    fetchEvents(apiListQuery(state, now)),
    fetchSummary(apiFilters(state, now)),
    api.GET('/api/v1/tenants', { params: { query: { limit: 500 } } }),
    detections,
  ]).catch((err: unknown) => failLoad(err, url));

  // A filter the API refuses (a misspelt field, a bad cursor) is shown where it was typed, with
  // the table empty; anything else is the error page.
  let listError: { message: string; details: ErrorDetail[] } | null = null;
  if (!list.response.ok) {
    const err = toApiError(list.error, list.response);
    if (err.status !== 400) failLoad(err, url);
    listError = { message: err.message, details: err.details };
  }
  if (!summary.response.ok && summary.response.status !== 400) failLoad(toApiError(summary.error, summary.response), url);

  return {
    state,
    page: list.data ?? null,
    listError,
    summary: summary.data ?? null,
    tenants: loaded(tenants, url).items.map((t) => ({ id: t.id, name: t.name, isDemo: t.isDemo })),
    detections: known,
  };
};
