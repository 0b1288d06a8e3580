import { api } from '$lib/api/client';
import { toApiError } from '$lib/api/errors';
import { failLoad } from '$lib/api/load';
import { fetchSession } from '$lib/auth';
import type { PageLoad } from './$types';

const NOT_OPEN = {
  invite: 'Sign-up on this installation is by invitation only: ask its operator for a sign-up link.',
  closed: 'Sign-up of new MSPs is closed on this installation.',
} as const;

/** `/signup` is the open sign-up page; `/signup/<token>` the page of an operator's one-time link. */
export const load: PageLoad = async ({ params, url }) => {
  // Someone already signed in (in this browser) must send their CSRF token with the form.
  await fetchSession().catch(() => null);
  const token = params.token ?? null;
  if (token) {
    const { data, error, response } = await api.GET('/api/v1/signup/{token}', { params: { path: { token } } });
    if (data) return { token, mspName: data.mspName ?? '', problem: null };
    if (response.status === 404) return { token, mspName: '', problem: toApiError(error, response).message };
    if (response.status === 400) return { token, mspName: '', problem: 'This sign-up link is incomplete. Copy the whole link from the message you received.' };
    failLoad(toApiError(error, response), url);
  }
  const { data, error, response } = await api.GET('/api/v1/signup');
  if (!data) failLoad(toApiError(error, response), url);
  return { token, mspName: '', problem: data.mode === 'open' ? null : NOT_OPEN[data.mode] };
};
