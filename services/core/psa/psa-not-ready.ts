import { AppError } from '../../errors.ts';

/** The PSA is connected but cannot take this request yet (a person must set something up first). */
export class PsaNotReadyError extends AppError {
  readonly status = 422;
  readonly code = 'psa_not_ready';
}
