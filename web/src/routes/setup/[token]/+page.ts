import { api } from '$lib/api/client';
import { toApiError } from '$lib/api/errors';
import { failLoad } from '$lib/api/load';
import { fetchSession } from '$lib/auth';
import type { PageLoad } from './$types';

// What a link that cannot be used says about itself.
const LINK_PROBLEMS = {
  used: 'This link was already used. Sign in with your email and password; if you forgot the password, ask an admin of your MSP to reset it.',
  revoked: 'This link was replaced by a newer one, or the account was disabled. Use the newest link you were sent, or ask an admin for a new one.',
  expired: 'This link has expired. Ask an admin of your MSP for a new one.',
} as const;

export const load: PageLoad = async ({ params, url }) => {
  // Someone already signed in (in this browser) must send their CSRF token with the form; learn
  // it now. Not being signed in is the usual case and fine.
  await fetchSession().catch(() => null);
  const { data, error, response } = await api.GET('/api/v1/setup/{token}', { params: { path: { token: params.token } } });
  if (data?.state === 'valid') return { token: params.token, link: data, problem: null };
  if (data) return { token: params.token, link: null, problem: LINK_PROBLEMS[data.state] };
  if (response.status === 404) return { token: params.token, link: null, problem: toApiError(error, response).message };
  if (response.status === 400) {
    return { token: params.token, link: null, problem: 'This setup link is incomplete. Copy the whole link from the message you received.' };
  }
  failLoad(toApiError(error, response), url);
};
