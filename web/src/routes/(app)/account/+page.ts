import { api } from '$lib/api/client';
import { loaded } from '$lib/api/load';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url }) => {
  const [mfa, tokens] = await Promise.all([api.GET('/api/v1/auth/mfa'), api.GET('/api/v1/tokens')]);
  return { mfa: loaded(mfa, url), tokens: loaded(tokens, url).items };
};
