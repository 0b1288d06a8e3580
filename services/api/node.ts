import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { ServerType } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { createImportRunner } from '../core/import/import-runner.ts';
import { createApp } from './app.ts';
import { referenceRoutes } from './reference.ts';

const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
import type { App, AppDeps } from './types.ts';

/**
 * The app as the Node process serves it: the API reference from the installed swagger-ui-dist
 * package, audit-file imports run in this process (unless `deps.imports` brings its own runner),
 * and, when built, the web app from `webRoot` with the SPA fallback.
 */
export function createNodeApp(deps: AppDeps, options: { webRoot?: string | undefined } = {}): App {
  const { webRoot } = options;
  const imports =
    deps.imports ??
    createImportRunner({
      db: deps.database.db,
      log: deps.log,
      dir: join(deps.config.dataDir, 'imports'),
      maxBytes: deps.config.importMaxBytes,
      ipIntel: deps.ipIntel,
    });
  return createApp(
    { ...deps, imports },
    {
      api: (app) => {
        app.route(
          '/',
          referenceRoutes((file) => readFile(join(swaggerDir, file))),
        );
      },
      web: webRoot
        ? (app) => {
            app.use('/_app/immutable/*', async (c, next) => {
              await next();
              if (c.res.status === 200) c.header('Cache-Control', 'public, max-age=31536000, immutable');
            });
            app.get('*', serveStatic({ root: webRoot }));
            // Every other page is the single-page app, which routes on the client (deep links included).
            app.get('*', async (c, next) => {
              c.header('Cache-Control', 'no-cache');
              return serveStatic({ path: join(webRoot, '200.html') })(c, next);
            });
          }
        : undefined,
    },
  );
}

/**
 * Node answers requests it cannot parse (headers over its 16 KB limit, a malformed request line)
 * before the app sees them, with a bare status line. Give them the API's JSON error body, so a
 * client that sent a very long address hears what to do instead.
 */
export function answerClientErrors(server: ServerType) {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    const body = JSON.stringify({
      error: tooLarge
        ? {
            code: 'headers_too_large',
            message:
              'The request address and headers are too long for the server (about 16 KB). Send long filter expressions in a POST body instead: POST /api/v1/events/query, /api/v1/events/summary or /api/v1/events/export.csv take the same parameters as JSON.',
          }
        : { code: 'bad_request', message: 'The server could not read this HTTP request.' },
    });
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
