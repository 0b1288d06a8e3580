/** Small helpers shared by the simulator's HTTP surfaces. */
import type { Context } from 'hono';

/** The origin the client used to reach us (scheme + host + port), so links we hand out point back here. */
export function requestOrigin(c: Context): string {
  return new URL(c.req.url).origin;
}

/** JSON as Microsoft's services send it: `application/json; charset=utf-8`. */
export function jsonResponse(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
  });
}
