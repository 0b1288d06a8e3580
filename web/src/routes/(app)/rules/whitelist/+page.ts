import { api } from '$lib/api/client';
import { loaded } from '$lib/api/load';
import { canReadWhitelist, RULES_PAGE_SIZE } from '$components/rules/rules';
import type { PageLoad } from './$types';

// The rules and the tenants a rule can be scoped to; a read-only user is told who can see them.
export const load: PageLoad = async ({ parent, url }) => {
  const { session } = await parent();
  if (!canReadWhitelist(session.user.role)) return { rules: null, tenants: [] };
  const [rules, tenants] = await Promise.all([
    api.GET('/api/v1/whitelist-rules', { params: { query: { limit: RULES_PAGE_SIZE } } }),
    api.GET('/api/v1/tenants', { params: { query: { limit: 500 } } }),
  ]);
  return { rules: loaded(rules, url), tenants: loaded(tenants, url).items };
};
