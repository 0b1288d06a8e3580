import { failLoad } from '$lib/api/load';
import { fetchTenantPage } from '$lib/tenants';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url }) => {
  try {
    return {
      firstPage: await fetchTenantPage(),
      // The outcome of an admin consent, from the API's redirect back here.
      consent: {
        added: url.searchParams.get('added'),
        warning: url.searchParams.get('consentWarning'),
        error: url.searchParams.get('consentError'),
      },
    };
  } catch (err) {
    failLoad(err, url);
  }
};
