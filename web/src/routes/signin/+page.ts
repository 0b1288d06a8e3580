import { redirect } from '@sveltejs/kit';
import { fetchAuthOptions, fetchSession } from '$lib/auth';
import { safeNext } from '$lib/utils/redirect';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url }) => {
  const next = safeNext(url.searchParams.get('next'));
  // Already signed in (another tab, say): go straight on. If the check itself fails, the form
  // is still the right page to show; signing in will report the problem.
  const [current, options] = await Promise.all([fetchSession().catch(() => null), fetchAuthOptions().catch(() => null)]);
  if (current) redirect(307, next);
  return {
    next,
    microsoft: options?.microsoft ?? false,
    // Set by the API when it sends the browser back from Microsoft.
    step: url.searchParams.get('step') === 'code' ? ('code' as const) : ('password' as const),
    error: url.searchParams.get('error'),
  };
};
