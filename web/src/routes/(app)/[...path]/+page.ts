import { error } from '@sveltejs/kit';
import type { PageLoad } from './$types';

// Any address no other page claims: a 404 inside the app shell, after sign-in, so a deep link
// to a page that does not exist (yet) still lands somewhere that explains itself.
export const load: PageLoad = () => {
  error(404, { message: 'There is no page at this address.' });
};
