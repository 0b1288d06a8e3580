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
 * them. Routes that set their own Cache-Control keep it.
 */
export const noStore: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (!c.res.headers.has('cache-control')) c.header('Cache-Control', 'no-store');
};
