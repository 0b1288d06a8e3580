import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ZodError } from 'zod';
import { AppError, RateLimitedError, type ErrorDetail } from '../errors.ts';
import type { AppEnv } from './types.ts';

export type ErrorBody = {
  error: { code: string; message: string; requestId: string; details?: ErrorDetail[] };
};

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

export function errorBody(c: Context<AppEnv>, code: string, message: string, details?: ErrorBody['error']['details']): ErrorBody {
  return { error: { code, message, requestId: c.get('requestId') ?? '', ...(details ? { details } : {}) } };
}

export function zodDetails(error: ZodError) {
  return error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

/**
 * The one error mapper: typed service errors keep their status and message; validation errors
 * list what was wrong; anything unexpected is logged with the request id and answered with a
 * generic 500, never a stack trace.
 */
export function mapError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof AppError) {
    if (err instanceof RateLimitedError) c.header('Retry-After', String(err.retryAfterSeconds));
    const details = 'details' in err ? (err.details as ErrorBody['error']['details']) : undefined;
    return c.json(errorBody(c, err.code, err.message, details), err.status);
  }
  if (err instanceof ZodError) {
    return c.json(errorBody(c, 'validation_failed', 'The request is not valid.', zodDetails(err)), 400);
  }
  if (err instanceof HTTPException && err.status < 500) {
    const message = err.status === 413 ? 'The request body is too large.' : err.message || 'The request is not valid.';
    return c.json(errorBody(c, STATUS_CODES[err.status] ?? 'bad_request', message), err.status);
  }
  c.get('deps').log.error({ err, requestId: c.get('requestId'), method: c.req.method, path: c.req.path }, 'request failed');
  return c.json(errorBody(c, 'internal_error', 'Something went wrong on our side. Quote the request id if you contact support.'), 500);
}
