import { Hono } from 'hono';
import type { AppEnv } from './types.ts';

/** The two Swagger UI files the reference page loads (from swagger-ui-dist). */
export type ReferenceAsset = 'swagger-ui.css' | 'swagger-ui-bundle.js';

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Tenantwatch API reference</title>
<link rel="stylesheet" href="/api/reference/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/reference/swagger-ui-bundle.js"></script>
<script src="/api/reference/init.js"></script>
</body></html>`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true });`;

const TYPES: Record<ReferenceAsset, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

/**
 * The browsable API reference at /api/reference over /api/openapi.json. Swagger UI's files come
 * from the installed package (no CDN: the reference works offline); each platform says how to
 * read them (the file system on Node, bundled text on Workers).
 */
export function referenceRoutes(loadAsset: (file: ReferenceAsset) => Promise<string | Uint8Array>) {
  return new Hono<AppEnv>()
    .get('/api/reference', (c) => c.html(PAGE))
    .get('/api/reference/init.js', (c) => c.body(INIT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }))
    .get('/api/reference/:file', async (c) => {
      const file = c.req.param('file');
      // Own keys only: `constructor`, `__proto__` and `toString` are "in" every object.
      if (!Object.hasOwn(TYPES, file)) return c.notFound();
      const body = await loadAsset(file as ReferenceAsset);
      return c.body(typeof body === 'string' ? body : new Uint8Array(body), 200, {
        'Content-Type': TYPES[file as ReferenceAsset],
        'Cache-Control': 'public, max-age=86400',
      });
    });
}
