import { api } from '$lib/api/client';
import { loaded } from '$lib/api/load';
import { RULES_PAGE_SIZE } from '$components/rules/rules';
import type { PageLoad } from './$types';

// The MSP's custom detections and the tenants one can run for (or be tested against).
export const load: PageLoad = async ({ url }) => {
  const [detections, tenants] = await Promise.all([
    api.GET('/api/v1/custom-detections', { params: { query: { limit: RULES_PAGE_SIZE } } }),
    api.GET('/api/v1/tenants', { params: { query: { limit: 500 } } }),
  ]);
  return { detections: loaded(detections, url), tenants: loaded(tenants, url).items };
};
