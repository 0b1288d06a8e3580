import { CollectError } from './errors.ts';

/**
 * A failed Microsoft call: what the service said, and the same in an admin's words (`error`).
 * `status` is the HTTP status, or 0 when no token could be had (the sign-in failed) and -1 when
 * the service could not be reached or its answer could not be read.
 */
export interface MicrosoftFailure {
  status: number;
  /** The service's own error code (`Authorization_RequestDenied`, `ErrorItemNotFound`, ...), or ''. */
  code: string;
  /** The service's own message (for Exchange, the readable part of the exception text). */
  message: string;
  retryAfterSeconds?: number;
  /** The failure as the product reports it (tenant page, remediation history). */
  error: CollectError;
}

/**
 * What a Graph or Exchange call answers. Calls never throw for what the service says: callers
 * decide what a 404 means for them (a deleted user is news for enrichment, success for a
 * remediation that removes it). `orThrow` turns a failure into its CollectError.
 */
export type MicrosoftAnswer<T> = { ok: true; body: T } | { ok: false; failure: MicrosoftFailure };

/** The body of a successful answer, or the failure's CollectError thrown. */
export function orThrow<T>(answer: MicrosoftAnswer<T>): T {
  if (answer.ok) return answer.body;
  throw answer.failure.error;
}
