import { api } from '$lib/api/client';
import { loaded } from '$lib/api/load';
import type { PageLoad } from './$types';

const PAGE_SIZE = 50;

// Filters and the page come from the address, so a link shows the same entries.
export const load: PageLoad = async ({ url }) => {
  const filters = {
    actor: url.searchParams.get('actor') ?? '',
    action: url.searchParams.get('action') ?? '',
    from: url.searchParams.get('from') ?? '',
    to: url.searchParams.get('to') ?? '',
  };
  const cursor = url.searchParams.get('cursor');
  const query = { limit: PAGE_SIZE, ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v)), ...(cursor ? { cursor } : {}) };
  const [entries, users] = await Promise.all([api.GET('/api/v1/audit', { params: { query } }), api.GET('/api/v1/users')]);
  return { filters, paged: Boolean(cursor), page: loaded(entries, url), users: loaded(users, url).items.map((u) => ({ id: u.id, email: u.email })) };
};
