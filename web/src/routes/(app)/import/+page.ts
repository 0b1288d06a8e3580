import { api } from '$lib/api/client';
import { failLoad, loaded } from '$lib/api/load';
import { IMPORT_ROLES } from '$lib/imports';
import { fetchTenantPage } from '$lib/tenants';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, parent }) => {
  const { session } = await parent();
  // Read-only users are told importing needs a technician; nothing to load for them.
  if (!(IMPORT_ROLES as readonly string[]).includes(session.user.role)) return { allowed: false as const, tenants: [], imports: [] };
  try {
    const [tenants, imports] = await Promise.all([fetchTenantPage(), api.GET('/api/v1/imports', { params: { query: { limit: 20 } } })]);
    return { allowed: true as const, tenants: tenants.items, imports: loaded(imports, url).items };
  } catch (err) {
    failLoad(err, url);
  }
};
