import { api } from '$lib/api/client';
import { loaded } from '$lib/api/load';
import type { PageLoad } from './$types';

// The MSP's triggers, its tenants and tenant groups (for the scope), and the editor's ready-made conditions.
export const load: PageLoad = async ({ url }) => {
  const [triggers, tenants, groups, readyMade] = await Promise.all([
    api.GET('/api/v1/triggers'),
    api.GET('/api/v1/tenants', { params: { query: { limit: 500 } } }),
    api.GET('/api/v1/tenant-groups'),
    api.GET('/api/v1/triggers/ready-made'),
  ]);
  return {
    triggers: loaded(triggers, url).items,
    tenants: loaded(tenants, url).items,
    groups: loaded(groups, url).items,
    readyMade: loaded(readyMade, url),
  };
};
