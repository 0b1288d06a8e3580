import { api } from '$lib/api/client';
import { toApiError } from '$lib/api/errors';
import { session, type Session } from '$lib/session.svelte';

/**
 * Asks the API who is signed in and keeps the answer (with its CSRF token) in the session
 * store. Null when nobody is; other failures throw an ApiError.
 */
export async function fetchSession(): Promise<Session | null> {
  const { data, error, response } = await api.GET('/api/v1/auth/session');
  if (response.status === 401) {
    session.clear();
    return null;
  }
  if (!data) throw toApiError(error, response);
  session.set(data);
  return data;
}

/** Signs in with email and password; the API sets the session cookie. */
export async function signIn(email: string, password: string): Promise<Session> {
  const { data, error, response } = await api.POST('/api/v1/auth/sign-in', { body: { email, password } });
  if (!data) throw toApiError(error, response);
  session.set(data);
  return data;
}

/** Ends the session on the server (with the CSRF header) and forgets it here. */
export async function signOut(): Promise<void> {
  const { error, response } = await api.POST('/api/v1/auth/sign-out');
  // Already signed out elsewhere (or expired): the goal is reached all the same.
  if (!response.ok && response.status !== 401) throw toApiError(error, response);
  session.clear();
}
