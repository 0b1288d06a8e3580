import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { MicrosoftSignInError } from '../../core/auth/microsoft-login.ts';
import { resolveMicrosoftUser } from '../../core/auth/microsoft-user.ts';
import { recordSignIn } from '../../core/auth/sign-in.ts';
import { AppError } from '../../errors.ts';
import { clearMicrosoftFlowCookie, readMicrosoftFlowCookie, setMicrosoftFlowCookie } from '../auth/cookies.ts';
import { clientIp } from '../auth/middleware.ts';
import type { AppEnv } from '../types.ts';
import { startPendingSignIn, startSession } from './auth.ts';

/**
 * "Sign in with Microsoft" (OpenID Connect, authorization code + PKCE): the start sends the
 * browser to Microsoft, the callback signs the matching Tenantwatch user in. Both answer with
 * redirects for the browser, never JSON. The rules for who gets in are in
 * core/auth/microsoft-user.ts.
 *
 * A user who has two-step sign-in on is asked for their Tenantwatch code after Microsoft too:
 * Microsoft's ID token (v2.0) does not say whether the tenant enforced MFA, and tenants differ.
 */

const PLACEHOLDER = 'https://tenantwatch.invalid';

/** A same-site path to return to after signing in; anything else becomes `/` (as the web app's safeNext). */
export function safeNextPath(raw: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  if (!raw || raw[0] !== '/' || raw[1] === '/' || /[\\\u0000-\u001f\u007f]/.test(raw)) return '/';
  try {
    const url = new URL(raw, PLACEHOLDER);
    // Judged after normalisation: `/.//x`, `/a/..//x` and `/%2e%2e//x` all become `//x`, another host.
    if (url.origin !== PLACEHOLDER || url.pathname.startsWith('//') || /^\/(signin|setup)(\/|$)/.test(url.pathname)) return '/';
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return '/';
  }
}

/** Back to the sign-in page with what went wrong, keeping where the user was going. */
function toSignIn(c: Context<AppEnv>, params: Record<string, string>, next: string) {
  const query = new URLSearchParams({ ...params, ...(next !== '/' ? { next } : {}) });
  return c.redirect(`/signin?${query.toString()}`, 302);
}

const StartQuery = z.object({ next: z.string().max(2000).optional() });
const CallbackQuery = z.object({
  code: z.string().max(4000).optional(),
  state: z.string().max(500).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(4000).optional(),
  error_subcode: z.string().max(200).optional(),
  error_uri: z.string().max(2000).optional(),
  session_state: z.string().max(500).optional(),
  client_info: z.string().max(4000).optional(),
});

export const microsoftAuthRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/auth/microsoft/start',
      tags: ['auth'],
      summary: 'Sign in with Microsoft: redirects the browser to Microsoft',
      description:
        "Answers 302 to Microsoft's sign-in page, or to `/signin?error=…` when Microsoft sign-in is not configured. `next` is the page to open afterwards.",
      request: { query: StartQuery },
      responses: { 302: { description: 'To Microsoft, or back to the sign-in page' } },
    }),
    async (c) => {
      const next = safeNextPath(c.req.valid('query').next);
      const login = c.get('deps').microsoftLogin;
      if (!login) return toSignIn(c, { error: 'Sign in with Microsoft is not set up on this installation. Sign in with your email and password.' }, next);
      const started = await login.start(next);
      setMicrosoftFlowCookie(c, started.cookie, started.expiresAt);
      return c.redirect(started.url, 302);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/auth/microsoft/callback',
      tags: ['auth'],
      summary: 'Where Microsoft sends the browser back: signs the matching Tenantwatch user in',
      description:
        'Answers 302: to the page the sign-in started from (signed in), to `/signin?step=code` when the user must also enter their Tenantwatch code, or to `/signin?error=…`.',
      request: { query: CallbackQuery },
      responses: { 302: { description: 'To the app, the code step, or the sign-in page with an error' } },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const { microsoftLogin: login, database, log } = c.get('deps');
      const cookie = readMicrosoftFlowCookie(c);
      clearMicrosoftFlowCookie(c);
      if (!login) return toSignIn(c, { error: 'Sign in with Microsoft is not set up on this installation.' }, '/');
      if (query.error) {
        const cancelled = query.error === 'access_denied';
        const first = (query.error_description ?? '').split(/\r?\n/)[0]?.slice(0, 300);
        return toSignIn(
          c,
          {
            error: cancelled
              ? 'The Microsoft sign-in was cancelled.'
              : `Microsoft did not sign you in (${query.error.slice(0, 60)})${first ? `: ${first}` : '.'}`,
          },
          '/',
        );
      }
      const meta = { ip: clientIp(c) ?? '', requestId: c.get('requestId') };
      let next = '/';
      try {
        if (!query.code || !query.state) throw new MicrosoftSignInError('The answer from Microsoft was incomplete. Try again.');
        const finished = await login.finish({ code: query.code, state: query.state, cookie });
        next = safeNextPath(finished.next);
        const user = await resolveMicrosoftUser(database.db, finished.identity, meta);
        if (user.totpEnabledAt) {
          await startPendingSignIn(c, user.id, 'microsoft');
          return toSignIn(c, { step: 'code' }, next);
        }
        await recordSignIn(database.db, user, 'microsoft', meta);
        await startSession(c, user);
        return c.redirect(next, 302);
      } catch (err) {
        if (err instanceof MicrosoftSignInError || err instanceof AppError) {
          log.info({ requestId: c.get('requestId'), reason: err.message }, 'Microsoft sign-in refused');
          return toSignIn(c, { error: err.message }, next);
        }
        log.error({ err, requestId: c.get('requestId') }, 'Microsoft sign-in failed');
        return toSignIn(c, { error: 'Tenantwatch could not finish the Microsoft sign-in. Try again in a moment.' }, next);
      }
    },
  );
