import { goto } from '$app/navigation';
import { resolve } from '$app/paths';
import { page } from '$app/state';
import { ApiError, describeError, type UserError } from '$lib/api/errors';
import { session } from '$lib/session.svelte';
import { signinPath } from '$lib/utils/redirect';

/**
 * The one error handler for things a user does (submit a form, press a button): tracks
 * `pending`, catches any failure and keeps it as `error` (the API's message) for the page to
 * show, so no click ever fails silently. If the session has expired meanwhile, it goes to
 * sign-in and comes back to this page afterwards.
 * @example
 *   const save = new UserAction(async () => unwrap(await api.POST('/api/v1/tokens', { body })));
 *   <form onsubmit={(e) => { e.preventDefault(); save.run(); }}> ... <ErrorAlert error={save.error} />
 */
export class UserAction<Args extends unknown[], Result> {
  pending = $state(false);
  error = $state<UserError | null>(null);
  readonly #fn: (...args: Args) => Promise<Result>;

  constructor(fn: (...args: Args) => Promise<Result>) {
    this.#fn = fn;
  }

  /** Runs the action; resolves to its result, or to undefined when it failed (see `error`). */
  async run(...args: Args): Promise<Result | undefined> {
    if (this.pending) return undefined;
    this.pending = true;
    this.error = null;
    try {
      return await this.#fn(...args);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && session.current) {
        session.clear();
        await goto(resolve(signinPath(page.url)));
        return undefined;
      }
      this.error = describeError(err);
      return undefined;
    } finally {
      this.pending = false;
    }
  }
}
