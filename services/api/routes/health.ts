import { Hono } from 'hono';
import { errorBody } from '../errors.ts';
import { serveMetrics } from '../metrics.ts';
import type { AppEnv } from '../types.ts';

/** Operations endpoints, outside the versioned API: /healthz without auth (no data in it), /metrics behind its token. */
export const healthRoutes = new Hono<AppEnv>()
  .get('/healthz', async (c) => {
    const { database, queueHealthy } = c.get('deps');
    const [db, queue] = await Promise.all([
      database.ping().then(
        () => 'ok' as const,
        () => 'failing' as const,
      ),
      queueHealthy
        ? queueHealthy().then(
            (ok) => (ok ? ('ok' as const) : ('failing' as const)),
            () => 'failing' as const,
          )
        : Promise.resolve('not running' as const),
    ]);
    const healthy = db === 'ok' && queue !== 'failing';
    c.header('Cache-Control', 'no-store');
    return c.json({ status: healthy ? 'ok' : 'failing', checks: { database: db, queue } }, healthy ? 200 : 503);
  })
  // On the application's port only with TW_METRICS_TOKEN; otherwise on TW_METRICS_PORT, or off.
  .get('/metrics', async (c) => {
    const { metrics, config } = c.get('deps');
    if (config.metrics.token === undefined) return c.json(errorBody(c, 'not_found', `Nothing here: ${c.req.method} ${c.req.path}`), 404);
    return serveMetrics(c, metrics, config.metrics.token);
  });
