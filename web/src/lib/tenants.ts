import { api } from '$lib/api/client';
import { unwrap } from '$lib/api/errors';

/** Tenants per request on the Tenants page. */
export const TENANT_PAGE_SIZE = 100;

/** One page of the MSP's tenants, by name; pass the previous page's `nextCursor` for the next. */
export async function fetchTenantPage(cursor?: string) {
  return unwrap(await api.GET('/api/v1/tenants', { params: { query: { limit: TENANT_PAGE_SIZE, ...(cursor ? { cursor } : {}) } } }));
}
