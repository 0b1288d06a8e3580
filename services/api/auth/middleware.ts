import type { MiddlewareHandler } from 'hono';
import { resolveApiToken } from '../../core/api-token/resolve-api-token.ts';
import { resolveSession } from '../../core/auth/sessions.ts';
import type { Ctx } from '../../core/context.ts';
import { safeEqual } from '../../crypto.ts';
import { ForbiddenError, UnauthenticatedError } from '../../errors.ts';
import { authorize, PERMISSIONS, type Permission } from '../../core/authz.ts';
import type { AppEnv, Auth } from '../types.ts';
import type { Context } from 'hono';
import { readSessionCookie } from './cookies.ts';

/**
 * Works out who is calling: `Authorization: Bearer <token>` for integrations, the session
 * cookie for the web app. Routes that need a caller use `requireCtx`.
 */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set('auth', null);
  c.set('auth', await resolveAuth(c));
  await next();
};

/**
 * The caller as the request's credentials show it now: null without a valid session; a bearer
 * token that is not valid throws (integrations must hear about it). Long-lived responses call it
 * again to notice a session ended, a token revoked or a user disabled.
 */
export async function resolveAuth(c: Context<AppEnv>): Promise<Auth | null> {
  const { database } = c.get('deps');
  const header = c.req.header('authorization');
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const token = match ? await resolveApiToken(database.db, match[1]!) : null;
    if (!token) throw new UnauthenticatedError('The API token is not valid: it is unknown, revoked or expired.');
    return { msp: token.mspId, actor: { type: 'token', id: token.id, userId: token.userId, role: token.role }, via: 'token' };
  }
  const cookie = readSessionCookie(c);
  const session = cookie ? await resolveSession(database.db, cookie) : null;
  if (!session) return null;
  return { msp: session.msp.id, actor: { type: 'user', id: session.user.id, role: session.user.role }, via: 'session', csrfToken: session.csrfToken };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cookie-authenticated writes must carry the session's CSRF token in `X-CSRF-Token`, and any
 * write that names an Origin must come from our own. Bearer-token calls carry no ambient
 * credentials and need neither.
 */
export const csrfProtection: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (SAFE_METHODS.has(c.req.method)) return next();
  const origin = c.req.header('origin');
  if (origin && origin !== 'null') {
    const own = new Set([new URL(c.get('deps').config.publicUrl).origin, new URL(c.req.url).origin]);
    if (!own.has(origin)) throw new ForbiddenError('Cross-site request refused.');
  } else if (origin === 'null') {
    throw new ForbiddenError('Cross-site request refused.');
  }
  const auth = c.get('auth');
  if (auth?.via === 'session') {
    const sent = c.req.header('x-csrf-token') ?? '';
    if (!auth.csrfToken || !safeEqual(sent, auth.csrfToken)) {
      throw new ForbiddenError('Missing or wrong CSRF token: reload the page and try again.');
    }
  }
  return next();
};

/** The service context for this request; 401 when nobody is signed in. */
export function requireCtx(c: Context<AppEnv>): Ctx {
  const auth = c.get('auth');
  if (!auth) throw new UnauthenticatedError();
  const { database, secrets } = c.get('deps');
  return { msp: auth.msp, actor: auth.actor, db: database.db, secrets, requestId: c.get('requestId'), ip: clientIp(c) };
}

/**
 * The caller's address: the socket's on Node; on Cloudflare Workers (no socket) the address
 * Cloudflare itself puts in CF-Connecting-IP. The header is never read on Node, where any client
 * could send it.
 */
export function clientIp(c: Context<AppEnv>): string | undefined {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  if (incoming) return incoming.socket?.remoteAddress;
  return c.req.header('cf-connecting-ip');
}

/**
 * Route guard declared on each protected route (`middleware: [allow('tenant.write')]`): runs
 * before body validation, so an anonymous or under-privileged caller learns nothing about the
 * route's input. The verb checks again, for callers that are not HTTP (CLI, jobs).
 */
export function allow(permission: Permission): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const auth = c.get('auth');
    if (!auth) throw new UnauthenticatedError();
    authorize(auth, permission);
    await next();
  };
}

/**
 * A protected route's guard, as its `createRoute` config spreads it (`...guard('tenant.write')`):
 * the `allow` middleware, and the permission with the least role that holds it in the OpenAPI
 * document (`x-permission`, `x-least-role`), so integrators read who may call each route and the
 * isolation suite derives its role matrix from the document.
 */
export function guard<P extends Permission>(permission: P) {
  return { middleware: [allow(permission)], 'x-permission': permission, 'x-least-role': PERMISSIONS[permission] };
}

/**
 * How the signed-in user signs in (two-step, password) is changed only from a browser session:
 * an API token must not be able to change how its user signs in.
 */
export const sessionOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  sessionUser(c);
  await next();
};

/** The user of the browser session making this request; 403 for an API token. */
export function sessionUser(c: Context<AppEnv>): string {
  const auth = c.get('auth');
  if (!auth) throw new UnauthenticatedError();
  if (auth.via !== 'session' || auth.actor.type !== 'user') throw new ForbiddenError('Manage how you sign in from the web app, signed in as yourself.');
  return auth.actor.id;
}
