import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { completeSignIn, createPendingSignIn, PENDING_SIGN_IN_MINUTES } from '../../core/auth/mfa.ts';
import { changePassword } from '../../core/auth/change-password.ts';
import { PASSWORD_MAX, PASSWORD_MIN } from '../../core/auth/passwords.ts';
import { createSession, deleteSession, resolveSession } from '../../core/auth/sessions.ts';
import { signIn } from '../../core/auth/sign-in.ts';
import { USER_ROLES } from '../../../db/schema/index.ts';
import { UnauthenticatedError } from '../../errors.ts';
import {
  clearPendingSignInCookie,
  clearSessionCookie,
  readPendingSignInCookie,
  readSessionCookie,
  setPendingSignInCookie,
  setSessionCookie,
} from '../auth/cookies.ts';
import { clientIp, sessionOnly, sessionUser } from '../auth/middleware.ts';
import { errorResponse, errorResponses, json, jsonBody } from '../schemas.ts';
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

const MfaRequiredSchema = z
  .object({
    mfaRequired: z.literal(true),
    methods: z.array(z.enum(['totp', 'recovery_code'])),
    expiresAt: z.string().openapi({ description: 'Send the code before this time, or sign in again.' }),
  })
  .openapi('MfaRequired', {
    description:
      'The password was right and the account has two-step sign-in: POST /auth/sign-in/code with a code next (the pending sign-in is held in an httpOnly cookie).',
  });

const MspChoiceSchema = z
  .object({
    chooseMsp: z.literal(true),
    msps: z.array(z.object({ id: z.string(), name: z.string() })),
  })
  .openapi('MspChoice', {
    description: 'The email and password open accounts at several MSPs: send the sign-in again with `mspId` set to the one to use.',
  });

const CodeSchema = z.object({ code: z.string().trim().min(1, 'enter the code').max(64) });

const AuthOptionsSchema = z
  .object({
    password: z.boolean(),
    microsoft: z.boolean().openapi({ description: 'True when "Sign in with Microsoft" is configured (the MSP app).' }),
  })
  .openapi('AuthOptions');

const SignInSchema = z.object({
  email: z.string().trim().min(1, 'enter your email').max(320),
  password: z.string().min(1, 'enter your password').max(1024),
  mspId: z.uuid().optional().openapi({ description: 'Only after an answer with `chooseMsp`: the MSP to sign in to.' }),
});

const ChangePasswordSchema = z.object({
  currentPassword: z.string().min(1, 'enter your current password').max(1024),
  newPassword: z.string().min(PASSWORD_MIN, `use at least ${PASSWORD_MIN} characters`).max(PASSWORD_MAX),
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

/** The first factor was right and a code is due: holds the pending sign-in in its cookie. */
export async function startPendingSignIn(c: Context<AppEnv>, userId: string, method: 'password' | 'microsoft') {
  const pending = await createPendingSignIn(c.get('deps').database.db, userId, method);
  setPendingSignInCookie(c, pending.token, pending.expiresAt);
  return { mfaRequired: true as const, methods: ['totp' as const, 'recovery_code' as const], expiresAt: pending.expiresAt.toISOString() };
}

export const authRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'post',
      path: '/auth/sign-in',
      tags: ['auth'],
      summary: 'Sign in with email and password (sets the session cookie, or asks for the second factor)',
      request: jsonBody(SignInSchema),
      responses: {
        200: json(
          z.union([SessionSchema, MfaRequiredSchema, MspChoiceSchema]),
          'Signed in; or the password was right and a code is needed next; or it opens accounts at several MSPs',
        ),
        429: errorResponse('Too many failed sign-ins for this email address or from this network'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const ip = clientIp(c);
      const result = await signIn(c.get('deps').database.db, input, { ...(ip ? { ip } : {}), requestId: c.get('requestId') });
      if (result.kind === 'choose_msp') return c.json({ chooseMsp: true as const, msps: result.msps }, 200);
      if (result.kind === 'mfa_required') return c.json(await startPendingSignIn(c, result.user.id, 'password'), 200);
      return c.json(await startSession(c, result.user), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/auth/sign-in/code',
      tags: ['auth'],
      summary: `Second step of signing in: a code from the authenticator app or a recovery code (within ${PENDING_SIGN_IN_MINUTES} minutes of the password)`,
      request: jsonBody(CodeSchema),
      responses: { 200: json(SessionSchema, 'Signed in'), 429: errorResponse('Too many failed sign-ins for this account'), ...errorResponses },
    }),
    async (c) => {
      const { database, secrets } = c.get('deps');
      const user = await completeSignIn(database.db, secrets, readPendingSignInCookie(c), c.req.valid('json').code, {
        ip: clientIp(c),
        requestId: c.get('requestId'),
      });
      clearPendingSignInCookie(c);
      return c.json(await startSession(c, user), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/auth/options',
      tags: ['auth'],
      summary: 'How staff can sign in on this installation (for the sign-in page)',
      responses: { 200: json(AuthOptionsSchema, 'The sign-in methods') },
    }),
    (c) => c.json({ password: true, microsoft: Boolean(c.get('deps').microsoftLogin) }, 200),
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
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/auth/password',
      tags: ['auth'],
      middleware: [sessionOnly] as const,
      summary: 'Change your password (needs the current one); your other sessions end',
      request: jsonBody(ChangePasswordSchema),
      responses: { 204: { description: 'Changed' }, 429: errorResponse('Too many wrong current passwords'), ...errorResponses },
    }),
    async (c) => {
      const ip = clientIp(c);
      await changePassword(c.get('deps').database.db, sessionUser(c), c.req.valid('json'), readSessionCookie(c), {
        ...(ip ? { ip } : {}),
        requestId: c.get('requestId'),
      });
      return c.body(null, 204);
    },
  );
