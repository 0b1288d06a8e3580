import { api } from '$lib/api/client';
import { loaded } from '$lib/api/load';
import type { PageLoad } from './$types';

// The alert mail the built-in SMTP sink received for this MSP; `?m=` opens one message.
export const load: PageLoad = async ({ url }) => {
  const list = loaded(await api.GET('/api/v1/outbox'), url);
  const id = url.searchParams.get('m');
  const message = id ? loaded(await api.GET('/api/v1/outbox/{id}', { params: { path: { id } } }), url) : null;
  return { outbox: list, message };
};
