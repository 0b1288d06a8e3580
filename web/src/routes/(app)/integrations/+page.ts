import { api } from '$lib/api/client';
import { loaded } from '$lib/api/load';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url }) => {
  const [connectwise, autotask] = await Promise.all([
    api.GET('/api/v1/psa/{kind}', { params: { path: { kind: 'connectwise' } } }),
    api.GET('/api/v1/psa/{kind}', { params: { path: { kind: 'autotask' } } }),
  ]);
  return { connectwise: loaded(connectwise, url), autotask: loaded(autotask, url) };
};
