import { api } from '$lib/api/client';
import { loaded } from '$lib/api/load';
import type { PageLoad } from './$types';

// The pending approvals, newest first, with their context (event, user risk, who asked).
export const load: PageLoad = async ({ url }) => {
  const pending = await api.GET('/api/v1/approvals', { params: { query: { status: 'pending_approval', limit: 200 } } });
  return { pending: loaded(pending, url).items };
};
