import { Hono } from 'hono';
// Bundled into the Worker as text (the `[[rules]] type = "Text"` in wrangler.toml): a Worker has
// no file system, and the reference must not depend on a CDN.
import swaggerUiCss from 'swagger-ui-dist/swagger-ui.css';
import swaggerUiBundle from 'swagger-ui-dist/swagger-ui-bundle.js';
import type { AppEnv } from '../types.ts';

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Tenantwatch API reference</title>
<link rel="stylesheet" href="/api/reference/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/reference/swagger-ui-bundle.js"></script>
<script src="/api/reference/init.js"></script>
</body></html>`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true });`;

const CACHED = { 'Cache-Control': 'public, max-age=86400' };

/** The browsable API reference at /api/reference on Workers: the same page as services/api/reference.ts. */
export const workersReferenceRoutes = new Hono<AppEnv>()
  .get('/api/reference', (c) => c.html(PAGE))
  .get('/api/reference/init.js', (c) => c.body(INIT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }))
  .get('/api/reference/swagger-ui.css', (c) => c.body(swaggerUiCss, 200, { 'Content-Type': 'text/css; charset=utf-8', ...CACHED }))
  .get('/api/reference/swagger-ui-bundle.js', (c) =>
    c.body(swaggerUiBundle, 200, { 'Content-Type': 'text/javascript; charset=utf-8', ...CACHED }),
  );
