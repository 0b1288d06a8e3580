/**
 * Opaque `$skiptoken` values. A token carries the original query plus a cursor (the sort key
 * of the last item served) and the snapshot instant of the first page, so following
 * `@odata.nextLink` returns every record exactly once even while new records arrive.
 * Tokens are HMAC-signed: a tampered or foreign token is rejected like Graph rejects one.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface PageCursor {
  /** $filter, $select, $top, $orderby, $count of the first request. */
  query: { filter?: string; select?: string; top?: number; orderby?: string; count?: boolean; skip?: number };
  /** Only records available at or before this simulated instant belong to this listing. */
  asOf: number;
  /** Sort key and id of the last record on the previous page. */
  after: { key: string | number; id: string };
}

export class SkipTokenCodec {
  private readonly secret = randomBytes(32);

  encode(cursor: PageCursor): string {
    const body = Buffer.from(JSON.stringify(cursor)).toString('base64url');
    const mac = createHmac('sha256', this.secret).update(body).digest('base64url').slice(0, 22);
    return `${body}.${mac}`;
  }

  decode(token: string): PageCursor | undefined {
    const [body, mac] = token.split('.');
    if (!body || !mac) return undefined;
    const expected = createHmac('sha256', this.secret).update(body).digest('base64url').slice(0, 22);
    if (expected.length !== mac.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(mac))) return undefined;
    try {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as PageCursor;
    } catch {
      return undefined;
    }
  }
}
