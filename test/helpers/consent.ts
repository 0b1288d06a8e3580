import { expect } from 'vitest';
import type { App } from '../../services/api/types.ts';
import { DEFAULT_USER_PASSWORD } from '../../services/sim/m365/index.ts';
import { browserSignIn } from './m365-sim.ts';
import { call } from './app.ts';

/**
 * The browser's side of the admin consent callback: Microsoft's answers arrive at the callback
 * with the Tenantwatch session (and, after the sign-in hop, the sealed flow cookie the first
 * answer set), as real HTTP requests against the app and the simulator.
 */
export const CONSENT_CALLBACK = 'http://localhost:8787/api/v1/tenants/consent-callback';

export type CallbackVisit = { next: URL; flowCookie: string | null };

/** One request to the callback: where it sends the browser and the consent flow cookie it set. */
export async function visitCallback(app: App, location: string, cookie: string | null): Promise<CallbackVisit> {
  const url = new URL(location);
  const res = await call(app, 'GET', `${url.pathname}${url.search}`, cookie ? { cookie } : {});
  expect(res.status).toBe(302);
  const flowCookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .find((c) => c.startsWith('tw_consent_flow=') && c !== 'tw_consent_flow=');
  return { next: new URL(res.headers.get('location') ?? '', 'http://localhost:8787'), flowCookie: flowCookie ?? null };
}

/** Signs in on Microsoft's authorize page; returns where Microsoft sends the browser back (with the code). */
export async function signInAfterConsent(authorizeUrl: string, upn: string): Promise<string> {
  const { response } = await browserSignIn(authorizeUrl, upn, DEFAULT_USER_PASSWORD);
  expect(response.status).toBe(302);
  const location = response.headers.get('location') ?? '';
  expect(location.startsWith(`${CONSENT_CALLBACK}?`)).toBe(true);
  return location;
}

/**
 * From Microsoft's admin consent answer to the tenants page: the callback sends the browser to
 * Microsoft's sign-in, `upn` signs in, and the callback gets the code back.
 */
export async function finishConsent(
  app: App,
  consentAnswer: string,
  sessionCookie: string,
  upn: string,
): Promise<{ page: URL; authorize: URL; signInAnswer: string; flowCookie: string }> {
  const first = await visitCallback(app, consentAnswer, sessionCookie);
  expect(first.next.pathname, first.next.searchParams.get('consentError') ?? '').toMatch(/\/oauth2\/v2\.0\/authorize$/);
  expect(first.flowCookie).toBeTruthy();
  const signInAnswer = await signInAfterConsent(first.next.toString(), upn);
  const flowCookie = first.flowCookie!;
  const second = await visitCallback(app, signInAnswer, `${sessionCookie}; ${flowCookie}`);
  expect(second.next.pathname).toBe('/tenants');
  return { page: second.next, authorize: first.next, signInAnswer, flowCookie };
}
