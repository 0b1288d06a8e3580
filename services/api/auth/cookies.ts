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
