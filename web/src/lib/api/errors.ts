import type { components } from './schema';

type ErrorBody = components['schemas']['Error'];
export type ErrorDetail = NonNullable<ErrorBody['error']['details']>[number];

/** An error answer from the API, in its `{ error: { code, message, requestId } }` shape. */
export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const inner = (value as { error: unknown }).error;
  return typeof inner === 'object' && inner !== null && typeof (inner as { message?: unknown }).message === 'string';
}

/** Turns whatever came back with a failed response into an ApiError, even a proxy's HTML page. */
export function toApiError(body: unknown, response: Response): ApiError {
  if (isErrorBody(body)) {
    const { code, message, requestId, details } = body.error;
    return new ApiError(response.status, code, message, requestId || null, details ?? []);
  }
  const message =
    response.status >= 500
      ? `Tenantwatch did not answer properly (HTTP ${response.status}). Try again in a moment.`
      : `The request failed (HTTP ${response.status}).`;
  return new ApiError(response.status, 'http_error', message, response.headers.get('x-request-id'));
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/**
 * The data of a successful call, or an ApiError thrown for a failed one.
 * @example const tenants = unwrap(await api.GET('/api/v1/tenants'));
 */
export function unwrap<T>(result: Result<T>): T {
  if (!result.response.ok) throw toApiError(result.error, result.response);
  return result.data as T;
}

/** What the user is told about a failure. */
export type UserError = { message: string; details: ErrorDetail[]; requestId: string | null };

/**
 * The one translation from "something went wrong" to words for the user: the API's own
 * message when it sent one, a plain sentence for network trouble, and never a stack trace.
 */
export function describeError(err: unknown): UserError {
  if (err instanceof ApiError) {
    return {
      message: err.message,
      details: err.details,
      // Worth quoting to support only when the server failed.
      requestId: err.status >= 500 ? err.requestId : null,
    };
  }
  if (err instanceof TypeError) {
    return {
      message: 'Could not reach Tenantwatch. Check your connection and try again.',
      details: [],
      requestId: null,
    };
  }
  return { message: 'Something went wrong. Try again, and reload the page if it keeps happening.', details: [], requestId: null };
}
