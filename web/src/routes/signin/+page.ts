import { redirect } from '@sveltejs/kit';
import { fetchSession } from '$lib/auth';
import { safeNext } from '$lib/utils/redirect';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url }) => {
  const next = safeNext(url.searchParams.get('next'));
  // Already signed in (another tab, say): go straight on. If the check itself fails, the form
  // is still the right page to show; signing in will report the problem.
  const current = await fetchSession().catch(() => null);
  if (current) redirect(307, next);
  return { next };
};
