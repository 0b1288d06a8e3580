import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import type { Config } from '../config.ts';
import { serveMetrics } from './metrics.ts';

/**
 * The metrics' own listener (TW_METRICS_PORT, on TW_METRICS_HOST: loopback unless changed), so
 * Prometheus can scrape them without their being on the port the world reaches. Only /metrics.
 */
export async function startMetricsServer(config: Pick<Config, 'metrics'>, registry: Registry): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Hono().get('/metrics', (c) => serveMetrics(c, registry, config.metrics.token));
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.metrics.port ?? 0, hostname: config.metrics.host }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
