import { Hono } from 'hono';
import type { AppEnv } from '../types.ts';

/** Operations endpoints, outside the versioned API and without auth (no data in them). */
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
  .get('/metrics', async (c) => {
    const { metrics } = c.get('deps');
    c.header('Content-Type', metrics.contentType);
    return c.body(await metrics.metrics());
  });
