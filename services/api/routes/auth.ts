import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { createSession, deleteSession, resolveSession } from '../../core/auth/sessions.ts';
import { signIn } from '../../core/auth/sign-in.ts';
import { USER_ROLES } from '../../../db/schema/index.ts';
import { UnauthenticatedError } from '../../errors.ts';
import { clearSessionCookie, readSessionCookie, setSessionCookie } from '../auth/cookies.ts';
import { clientIp } from '../auth/middleware.ts';
import { errorResponses, json, jsonBody } from '../schemas.ts';
import type { AppEnv } from '../types.ts';
import type { Context } from 'hono';

export const SessionSchema = z
  .object({
    user: z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.enum(USER_ROLES) }),
    msp: z.object({ id: z.string(), name: z.string() }),
    csrfToken: z.string().openapi({ description: 'Send as `X-CSRF-Token` on every write made with the session cookie.' }),
    expiresAt: z.string(),
  })
  .openapi('Session');

const SignInSchema = z.object({
  email: z.string().trim().min(1, 'enter your email').max(320),
  password: z.string().min(1, 'enter your password').max(1024),
});

/** Starts a session for a user who has just proved who they are; sets the cookie. */
export async function startSession(c: Context<AppEnv>, user: { id: string; mspId: string }) {
  const { database, config } = c.get('deps');
  const created = await createSession(database.db, user.id, user.mspId, {
    hours: config.sessionHours,
    ip: clientIp(c),
    userAgent: c.req.header('user-agent'),
  });
  setSessionCookie(c, created.token, created.expiresAt);
  const info = await resolveSession(database.db, created.token);
  if (!info) throw new UnauthenticatedError();
  return { ...info, expiresAt: info.expiresAt.toISOString() };
}

export const authRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'post',
      path: '/auth/sign-in',
      tags: ['auth'],
      summary: 'Sign in with email and password (sets the session cookie)',
      request: jsonBody(SignInSchema),
      responses: { 200: json(SessionSchema, 'Signed in'), ...errorResponses },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const user = await signIn(c.get('deps').database.db, input, { ip: clientIp(c) ?? '', requestId: c.get('requestId') });
      return c.json(await startSession(c, user), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/auth/sign-out',
      tags: ['auth'],
      summary: 'End the current session',
      responses: { 204: { description: 'Signed out' }, ...errorResponses },
    }),
    async (c) => {
      const token = readSessionCookie(c);
      if (token) await deleteSession(c.get('deps').database.db, token);
      clearSessionCookie(c);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/auth/session',
      tags: ['auth'],
      summary: 'The signed-in user, their MSP and the CSRF token',
      responses: { 200: json(SessionSchema, 'The current session'), ...errorResponses },
    }),
    async (c) => {
      const { database } = c.get('deps');
      const token = readSessionCookie(c);
      const info = token ? await resolveSession(database.db, token) : null;
      if (!info) throw new UnauthenticatedError('Not signed in.');
      return c.json({ ...info, expiresAt: info.expiresAt.toISOString() }, 200);
    },
  );
