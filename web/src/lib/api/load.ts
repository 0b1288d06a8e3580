import { error, redirect } from '@sveltejs/kit';
import { session } from '$lib/session.svelte';
import { signinPath } from '$lib/utils/redirect';
import { ApiError, describeError, unwrap } from './errors';

type Result<T> = { data?: T; error?: unknown; response: Response };

/**
 * For `+page.ts` loaders: the data of an API call, or the right SvelteKit outcome for a
 * failure: an expired session goes to sign-in (and back here afterwards), other errors
 * become the error page with the API's message.
 * @example return { tenants: loaded(await api.GET('/api/v1/tenants'), url) };
 */
export function loaded<T>(result: Result<T>, url: URL): T {
  try {
    return unwrap(result);
  } catch (err) {
    failLoad(err, url);
  }
}

/** Rethrows any load failure as a redirect to sign-in or an error page. */
export function failLoad(err: unknown, url: URL): never {
  if (err instanceof ApiError) {
    if (err.status === 401) {
      session.clear();
      redirect(307, signinPath(url));
    }
    const { message, requestId } = describeError(err);
    error(err.status >= 400 && err.status <= 599 ? err.status : 500, { message, requestId });
  }
  const { message } = describeError(err);
  error(503, { message, requestId: null });
}
