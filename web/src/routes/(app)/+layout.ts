import { redirect } from '@sveltejs/kit';
import { failLoad } from '$lib/api/load';
import { fetchSession } from '$lib/auth';
import { signinPath } from '$lib/utils/redirect';
import type { LayoutLoad } from './$types';

// Everything in (app) needs someone signed in. Signed-out visitors go to sign-in and come back
// to the exact page they asked for (a "View event" link from an alert email, say).
export const load: LayoutLoad = async ({ url, untrack }) => {
  // Not a dependency: the session does not change when the user moves between pages.
  const here = untrack(() => new URL(url));
  const session = await fetchSession().catch((err: unknown) => failLoad(err, here));
  if (!session) redirect(307, signinPath(here));
  return { session };
};
