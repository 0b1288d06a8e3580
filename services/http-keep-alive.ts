import type { ServerType } from '@hono/node-server';

/**
 * Keeps idle connections open longer than clients do. Node closes an idle keep-alive socket
 * after 5 s, while fetch (undici) reuses one for up to 4 s: on a busy machine the client's timer
 * fires late and it sends a request on a socket the server is closing, which surfaces as
 * ECONNRESET. A server timeout well past any client's (and past a load balancer's 60 s idle
 * timeout) leaves the closing to the client, which never races its own request.
 */
export function outlastClientKeepAlive<T extends ServerType>(server: T): T {
  const http = server as T & { keepAliveTimeout?: number; headersTimeout?: number };
  http.keepAliveTimeout = 65_000;
  // Must exceed keepAliveTimeout, or Node may drop a slow request on a reused socket.
  http.headersTimeout = 66_000;
  return server;
}
