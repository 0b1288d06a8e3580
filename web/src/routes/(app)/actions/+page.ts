import { api } from '$lib/api/client';
import { loaded } from '$lib/api/load';
import type { PageLoad } from './$types';

const PAGE_SIZE = 50;

// The action history; the status filter and the page come from the address.
export const load: PageLoad = async ({ url }) => {
  const status = url.searchParams.get('status') ?? '';
  const cursor = url.searchParams.get('cursor');
  const history = await api.GET('/api/v1/actions/history', {
    params: { query: { limit: PAGE_SIZE, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) } },
  });
  return { status, paged: Boolean(cursor), page: loaded(history, url) };
};
