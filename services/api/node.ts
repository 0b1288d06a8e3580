import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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
    createImportRunner({ db: deps.database.db, log: deps.log, dir: join(deps.config.dataDir, 'imports'), maxBytes: deps.config.importMaxBytes, ipIntel: deps.ipIntel });
  return createApp({ ...deps, imports }, {
    api: (app) => {
      app.route('/', referenceRoutes((file) => readFile(join(swaggerDir, file))));
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
  });
}
