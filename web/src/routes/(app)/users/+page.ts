import { api } from '$lib/api/client';
import { loaded } from '$lib/api/load';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url }) => ({ users: loaded(await api.GET('/api/v1/users'), url).items });
