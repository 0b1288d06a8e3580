import { z } from 'zod';
import { type SecretBox, safeEqual } from '../crypto.ts';
import { ValidationError } from '../errors.ts';

/** Page size limits shared by every list call. */
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export const pageInput = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
  cursor: z.string().max(1000).optional(),
});

/** The sort key of the last row served, base64url JSON (signed below before it leaves). */
function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor<T extends readonly unknown[]>(cursor: string, shape: z.ZodType<T>): T {
  try {
    return shape.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new ValidationError('The cursor is not valid; start again from the first page.', [{ path: 'cursor', message: 'invalid' }]);
  }
}

/**
 * A keyset cursor signed with the secret key and bound to `scope` (the MSP and the list's sort),
 * so a cursor made up by hand, or one from another sort or MSP, is refused with 400 instead of
 * reaching the query. `<base64url JSON>.<mac>`.
 */
export function encodeSignedCursor(secrets: Pick<SecretBox, 'mac'>, scope: string, key: readonly (string | number)[]): string {
  const body = encodeCursor(key);
  return `${body}.${secrets.mac(`cursor:${scope}:${body}`)}`;
}

export function decodeSignedCursor<T extends readonly unknown[]>(secrets: Pick<SecretBox, 'mac'>, scope: string, cursor: string, shape: z.ZodType<T>): T {
  const dot = cursor.lastIndexOf('.');
  const body = dot > 0 ? cursor.slice(0, dot) : '';
  if (!body || !safeEqual(cursor.slice(dot + 1), secrets.mac(`cursor:${scope}:${body}`))) {
    throw new ValidationError('The cursor is not valid for this list; start again from the first page.', [{ path: 'cursor', message: 'invalid' }]);
  }
  return decodeCursor(body, shape);
}

/**
 * The cursor of one list, the only way lists page: signed and bound to the MSP and `list` (name
 * the sort, and the parent for a child list), so a hand-made or edited cursor answers 400.
 * @example const cursor = listCursor(ctx, 'tenants:name', z.tuple([z.string(), z.uuid()]));
 *   const after = cursor.decode(input.cursor); … nextCursor: cursor.encode([last.name, last.id])
 */
export function listCursor<T extends readonly (string | number)[]>(ctx: { msp: string; secrets: Pick<SecretBox, 'mac'> }, list: string, shape: z.ZodType<T>) {
  const scope = `${list}:${ctx.msp}`;
  return {
    encode: (key: T): string => encodeSignedCursor(ctx.secrets, scope, key),
    decode: (cursor: string | undefined): T | null => (cursor ? decodeSignedCursor(ctx.secrets, scope, cursor, shape) : null),
  };
}
