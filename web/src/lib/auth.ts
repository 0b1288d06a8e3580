import { api } from '$lib/api/client';
import { toApiError } from '$lib/api/errors';
import type { components } from '$lib/api/schema';
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

/** The password was right; the account also needs a code from its authenticator app. */
export type MfaRequired = components['schemas']['MfaRequired'];

/** The email and password open accounts at several MSPs: sign in again naming one. */
export type MspChoice = components['schemas']['MspChoice'];

/**
 * Signs in with email and password; the API sets the session cookie. For an account with
 * two-step sign-in it answers `MfaRequired` instead, and `submitSignInCode` finishes; when the
 * password opens accounts at several MSPs, `MspChoice`, and the caller asks again with `mspId`.
 */
export async function signIn(email: string, password: string, mspId?: string): Promise<Session | MfaRequired | MspChoice> {
  const { data, error, response } = await api.POST('/api/v1/auth/sign-in', { body: { email, password, ...(mspId ? { mspId } : {}) } });
  if (!data) throw toApiError(error, response);
  if ('mfaRequired' in data || 'chooseMsp' in data) return data;
  session.set(data);
  return data;
}

/** The second step: a code from the authenticator app or a recovery code. */
export async function submitSignInCode(code: string): Promise<Session> {
  const { data, error, response } = await api.POST('/api/v1/auth/sign-in/code', { body: { code } });
  if (!data) throw toApiError(error, response);
  session.set(data);
  return data;
}

/** Which sign-in methods this installation offers (the Microsoft button only when configured). */
export async function fetchAuthOptions(): Promise<components['schemas']['AuthOptions']> {
  const { data } = await api.GET('/api/v1/auth/options');
  return data ?? { password: true, microsoft: false };
}

/** Where the "Sign in with Microsoft" button goes: the API redirects to Microsoft and back. */
export function microsoftStartPath(next: string): string {
  return next === '/' ? '/api/v1/auth/microsoft/start' : `/api/v1/auth/microsoft/start?next=${encodeURIComponent(next)}`;
}

/** Ends the session on the server (with the CSRF header) and forgets it here. */
export async function signOut(): Promise<void> {
  const { error, response } = await api.POST('/api/v1/auth/sign-out');
  // Already signed out elsewhere (or expired): the goal is reached all the same.
  if (!response.ok && response.status !== 401) throw toApiError(error, response);
  session.clear();
}
