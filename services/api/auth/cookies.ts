import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Config } from '../../config.ts';
import type { AppEnv } from '../types.ts';

export const SESSION_COOKIE = 'tw_session';

/**
 * Browsers keep Secure cookies on https and on localhost; a plain-http deployment elsewhere
 * could not sign in at all, so there the flag is dropped (and start-up warns about it).
 */
export function cookiesAreSecure(config: Pick<Config, 'publicUrl'>): boolean {
  const url = new URL(config.publicUrl);
  return url.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

export function setSessionCookie(c: Context<AppEnv>, token: string, expiresAt: Date): void {
  setCookie(c, SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    secure: cookiesAreSecure(c.get('deps').config),
    // Lax, not Strict: "View event" links in alert emails and PSA tickets are cross-site
    // top-level navigations and must arrive signed in. Writes are guarded by the CSRF token.
    sameSite: 'Lax',
    expires: expiresAt,
  });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: cookiesAreSecure(c.get('deps').config) });
}

export function readSessionCookie(c: Context<AppEnv>): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}

/** A sign-in waiting for its second factor (see core/auth/mfa.ts); only the auth routes read it. */
export const PENDING_SIGN_IN_COOKIE = 'tw_pending_sign_in';
const PENDING_PATH = '/api/v1/auth';

export function setPendingSignInCookie(c: Context<AppEnv>, token: string, expiresAt: Date): void {
  setCookie(c, PENDING_SIGN_IN_COOKIE, token, {
    path: PENDING_PATH,
    httpOnly: true,
    secure: cookiesAreSecure(c.get('deps').config),
    sameSite: 'Strict',
    expires: expiresAt,
  });
}

export function readPendingSignInCookie(c: Context<AppEnv>): string | undefined {
  return getCookie(c, PENDING_SIGN_IN_COOKIE);
}

export function clearPendingSignInCookie(c: Context<AppEnv>): void {
  deleteCookie(c, PENDING_SIGN_IN_COOKIE, { path: PENDING_PATH, secure: cookiesAreSecure(c.get('deps').config) });
}

/**
 * The sealed state of a "Sign in with Microsoft" in progress. Lax: Microsoft sends the browser
 * back with a cross-site top-level GET, which must carry it.
 */
export const MICROSOFT_FLOW_COOKIE = 'tw_ms_flow';
const MICROSOFT_PATH = '/api/v1/auth/microsoft';

export function setMicrosoftFlowCookie(c: Context<AppEnv>, value: string, expiresAt: Date): void {
  setCookie(c, MICROSOFT_FLOW_COOKIE, value, {
    path: MICROSOFT_PATH,
    httpOnly: true,
    secure: cookiesAreSecure(c.get('deps').config),
    sameSite: 'Lax',
    expires: expiresAt,
  });
}

export function readMicrosoftFlowCookie(c: Context<AppEnv>): string | undefined {
  return getCookie(c, MICROSOFT_FLOW_COOKIE);
}

export function clearMicrosoftFlowCookie(c: Context<AppEnv>): void {
  deleteCookie(c, MICROSOFT_FLOW_COOKIE, { path: MICROSOFT_PATH, secure: cookiesAreSecure(c.get('deps').config) });
}

/**
 * The sealed state of the sign-in that follows an admin consent (which tenant, PKCE verifier,
 * nonce), on the consent callback's path only. Lax for the same reason as the one above.
 */
export const CONSENT_FLOW_COOKIE = 'tw_consent_flow';
const CONSENT_PATH = '/api/v1/tenants/consent-callback';

export function setConsentFlowCookie(c: Context<AppEnv>, value: string, expiresAt: Date): void {
  setCookie(c, CONSENT_FLOW_COOKIE, value, {
    path: CONSENT_PATH,
    httpOnly: true,
    secure: cookiesAreSecure(c.get('deps').config),
    sameSite: 'Lax',
    expires: expiresAt,
  });
}

export function readConsentFlowCookie(c: Context<AppEnv>): string | undefined {
  return getCookie(c, CONSENT_FLOW_COOKIE);
}

export function clearConsentFlowCookie(c: Context<AppEnv>): void {
  deleteCookie(c, CONSENT_FLOW_COOKIE, { path: CONSENT_PATH, secure: cookiesAreSecure(c.get('deps').config) });
}
