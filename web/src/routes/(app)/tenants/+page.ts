import { failLoad } from '$lib/api/load';
import { fetchTenantPage } from '$lib/tenants';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url }) => {
  try {
    return { firstPage: await fetchTenantPage() };
  } catch (err) {
    failLoad(err, url);
  }
};
