import type { Context, MiddlewareHandler } from 'hono';
import { Counter, Histogram, type Registry } from 'prom-client';
import { safeEqual } from '../crypto.ts';
import type { AppEnv } from './types.ts';

/** Request count and latency per route pattern (never per raw path, to keep cardinality bounded). */
export function httpMetrics(registry: Registry): MiddlewareHandler<AppEnv> {
  const requests = new Counter({
    name: 'tenantwatch_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'tenantwatch_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, in seconds',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return async (c, next) => {
    const start = performance.now();
    await next();
    const route = c.req.routePath || 'unmatched';
    requests.inc({ method: c.req.method, route, status: String(c.res.status) });
    duration.observe({ method: c.req.method, route }, (performance.now() - start) / 1000);
  };
}

/**
 * The Prometheus text; when a token is set, only for a caller that sends it as
 * `Authorization: Bearer <token>` (401 otherwise). The figures span every MSP (request counts by
 * route, sign-ins and setups included), so they are never public.
 */
export async function serveMetrics(c: Context, registry: Registry, token: string | undefined): Promise<Response> {
  if (token !== undefined) {
    const sent = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
    if (!safeEqual(sent, token)) {
      c.header('WWW-Authenticate', 'Bearer realm="metrics"');
      return c.json({ error: { code: 'unauthenticated', message: 'Send the metrics token as "Authorization: Bearer <token>".' } }, 401);
    }
  }
  c.header('Content-Type', registry.contentType);
  c.header('Cache-Control', 'no-store');
  return c.body(await registry.metrics());
}
