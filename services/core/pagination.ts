import { z } from 'zod';
import { ValidationError } from '../errors.ts';

/** Page size limits shared by every list call. */
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export const pageInput = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
  cursor: z.string().max(1000).optional(),
});

/** Opaque keyset cursor: the sort key of the last row served, base64url JSON. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<T extends readonly unknown[]>(cursor: string, shape: z.ZodType<T>): T {
  try {
    return shape.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new ValidationError('The cursor is not valid; start again from the first page.', [{ path: 'cursor', message: 'invalid' }]);
  }
}
