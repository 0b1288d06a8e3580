import { api } from '$lib/api/client';
import { loaded } from '$lib/api/load';
import type { PageLoad } from './$types';

// The Report has no events API to read yet; whether any tenant exists decides what the empty
// state tells the user to do next.
export const load: PageLoad = async ({ url }) => {
  const tenants = loaded(await api.GET('/api/v1/tenants', { params: { query: { limit: 1 } } }), url);
  return { hasTenants: tenants.items.length > 0 };
};
