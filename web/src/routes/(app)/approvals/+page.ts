import { api } from '$lib/api/client';
import { loaded } from '$lib/api/load';
import type { PageLoad } from './$types';

// The pending approvals, newest first, with their context (event, user risk, who asked).
export const load: PageLoad = async ({ url }) => {
  const [pending, tenants] = await Promise.all([
    api.GET('/api/v1/approvals', { params: { query: { status: 'pending_approval', limit: 200 } } }),
    api.GET('/api/v1/tenants'),
  ]);
  return { pending: loaded(pending, url).items, tenants: loaded(tenants, url).items.map((t) => ({ id: t.id, name: t.name })) };
};
