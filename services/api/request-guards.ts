import type { MiddlewareHandler } from 'hono';
import { ValidationError } from '../errors.ts';
import type { AppEnv } from './types.ts';

const NUL_MESSAGE = 'Text in the request contains the NUL character (\\u0000), which Tenantwatch does not accept.';

/** True when any string (value or key) anywhere in parsed JSON holds a NUL. Iterative: no depth limit to overflow. */
function containsNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      if (item.includes('\u0000')) return true;
    } else if (Array.isArray(item)) {
      stack.push(...item);
    } else if (item && typeof item === 'object') {
      for (const [key, inner] of Object.entries(item)) {
        if (key.includes('\u0000')) return true;
        stack.push(inner);
      }
    }
  }
  return false;
}

/**
 * Refuses NUL in the path, the query string and JSON bodies with a 400, for every API route at
 * once: Postgres cannot store it in text, so it would otherwise fail deep inside a query.
 */
export const refuseNul: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (/%00/i.test(c.req.url)) throw new ValidationError(NUL_MESSAGE);
  const type = c.req.header('content-type') ?? '';
  if (/\bjson\b/i.test(type) && c.req.method !== 'GET' && c.req.method !== 'HEAD') {
    // Parsed once and cached by Hono: the route's validator reads the same body; bad JSON is its to report.
    const body: unknown = await c.req.json().catch(() => undefined);
    if (containsNul(body)) throw new ValidationError(NUL_MESSAGE);
  }
  await next();
};

/**
 * API answers carry account data and the session's CSRF token: no browser or proxy may keep
 * them. Routes that set their own Cache-Control keep it, except the event stream, whose helper
 * says only `no-cache` (which allows storing).
 */
export const noStore: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const stream = /^text\/event-stream\b/i.test(c.res.headers.get('content-type') ?? '');
  if (stream || !c.res.headers.has('cache-control')) c.res.headers.set('Cache-Control', 'no-store');
};

/** API answers, files and everything else that is not a page: nothing may run, load or frame it. */
export const API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/**
 * The web app's pages: their `<meta>` policy (web/svelte.config.js, `kit.csp` in hash mode) says
 * which scripts run; the header adds what a `<meta>` policy cannot say (frame-ancestors) and
 * repeats the rest that does not depend on the build.
 */
export const PAGE_POLICY = "frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'self'";
/** The API reference (Swagger UI): its own scripts from this origin, inline styles, no inline script. */
export const REFERENCE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * A Content-Security-Policy header on every answer that has none of its own (the Outbox's mail
 * frame sets a stricter one): no page of another site may frame any of ours, and no answer that
 * is not a page may run or load anything should a browser be tricked into rendering it.
 */
export const contentSecurityPolicy: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (c.res.headers.has('content-security-policy')) return;
  const path = c.req.path;
  const isHtml = /^text\/html\b/i.test(c.res.headers.get('content-type') ?? '');
  const policy = path === '/api/reference' ? REFERENCE_POLICY : isHtml && !path.startsWith('/api/') ? PAGE_POLICY : API_POLICY;
  c.res.headers.set('Content-Security-Policy', policy);
};
