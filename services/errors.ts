/**
 * Typed errors thrown by service verbs. The API maps each to its HTTP status and the
 * `{ error: { code, message, requestId } }` body in one place (services/api/errors.ts);
 * the CLI prints the message as one line.
 */
export abstract class AppError extends Error {
  abstract readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;
  abstract readonly code: string;
}

/** One problem with the input; an expression's problems also say where (1-based line and column). */
export type ErrorDetail = { path: string; message: string; line?: number; column?: number; offset?: number; length?: number; excerpt?: string };

export class ValidationError extends AppError {
  readonly status = 400;
  readonly code = 'validation_failed';
  constructor(
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
  }
}

export class UnauthenticatedError extends AppError {
  readonly status = 401;
  readonly code = 'unauthenticated';
  constructor(message = 'Sign in, or send a valid API token as "Authorization: Bearer <token>".') {
    super(message);
  }
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly code = 'forbidden';
}

/** Also what another MSP's object answers: no hint that it exists. */
export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = 'not_found';
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly code = 'conflict';
}

export class RateLimitedError extends AppError {
  readonly status = 429;
  readonly code = 'rate_limited';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export class UnavailableError extends AppError {
  readonly status = 503;
  readonly code = 'unavailable';
}
