import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on loopback that records what it receives: the far end of web requests,
 * Slack and Teams webhooks in tests. `respond` decides each answer (default 200 "ok").
 * Waiting is by condition (`waitForRequests`), never by sleeping.
 */

export type ReceivedRequest = {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The raw bytes, for signature checks. */
  raw: Buffer;
};

export type Responder = (req: ReceivedRequest, res: ServerResponse) => void;

export type HttpReceiver = {
  /** `http://127.0.0.1:<port>` (or `http://[::1]:<port>`, or https:// when started with `tls`). */
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Replaces the answer for the next requests. */
  respond: (responder: Responder) => void;
  /** Resolves once at least `count` requests have arrived. */
  waitForRequests: (count: number) => Promise<ReceivedRequest[]>;
  close: () => Promise<void>;
};

export async function startHttpReceiver(
  options: { host?: '127.0.0.1' | '::1'; respond?: Responder; tls?: { key: string; cert: string } } = {},
): Promise<HttpReceiver> {
  const host = options.host ?? '127.0.0.1';
  const requests: ReceivedRequest[] = [];
  let responder: Responder = options.respond ?? ((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
  const waiters: { count: number; resolve: (r: ReceivedRequest[]) => void }[] = [];

  const listener: RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const received: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: raw.toString('utf8'), raw };
      requests.push(received);
      for (const w of [...waiters]) {
        if (requests.length >= w.count) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve([...requests]);
        }
      }
      responder(received, res);
    });
  };
  const server: Server = options.tls ? createHttpsServer(options.tls, listener) : createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const scheme = options.tls ? 'https' : 'http';
  return {
    url: host === '::1' ? `${scheme}://[::1]:${port}` : `${scheme}://127.0.0.1:${port}`,
    port,
    requests,
    respond: (r) => {
      responder = r;
    },
    waitForRequests: (count) => (requests.length >= count ? Promise.resolve([...requests]) : new Promise((resolve) => waiters.push({ count, resolve }))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
