/** Graph error responses: `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`. */
import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { jsonResponse } from '../http-util.ts';

export interface GraphErrorSpec {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
  /** Extra innerError fields (the throttling body carries code/status/message there too). */
  inner?: Record<string, string>;
}

export function graphError(c: Context, spec: GraphErrorSpec, nowMs: number): Response {
  const requestId = randomUUID();
  const clientRequestId = c.req.header('client-request-id') ?? requestId;
  return jsonResponse(
    {
      error: {
        code: spec.code,
        message: spec.message,
        innerError: {
          ...spec.inner,
          date: new Date(nowMs).toISOString().slice(0, 19),
          'request-id': requestId,
          'client-request-id': clientRequestId,
        },
      },
    },
    spec.status,
    { 'request-id': requestId, 'client-request-id': clientRequestId, ...spec.headers },
  );
}

export const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

export const graphErrors = {
  badRequest: (message: string, code = 'BadRequest'): GraphErrorSpec => ({ status: 400, code, message }),
  invalidToken: (message: string): GraphErrorSpec => ({
    status: 401,
    code: 'InvalidAuthenticationToken',
    message,
    headers: { 'WWW-Authenticate': WWW_AUTHENTICATE },
  }),
  notFound: (id: string): GraphErrorSpec => ({
    status: 404,
    code: 'Request_ResourceNotFound',
    message: `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  }),
  noRoute: (path: string): GraphErrorSpec => ({
    status: 400,
    code: 'BadRequest',
    message: `Resource not found for the segment '${path.split('/').filter(Boolean).pop() ?? path}'.`,
  }),
};
