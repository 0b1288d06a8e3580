import type { Context, MiddlewareHandler } from 'hono';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { safeEqual } from '../crypto.ts';
import type { OperationsReader } from './operations.ts';
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

/** How the outbox's statuses read on a dashboard. */
const DELIVERY_RESULTS: Record<string, string> = { pending: 'pending', sending: 'sending', delivered: 'sent', failed: 'retrying', dead: 'failed' };

/**
 * The installation's state, read from the database when Prometheus scrapes (one query per family,
 * cached by the reader for a few seconds): collector lag per tenant and source, queue depth and
 * the oldest due job per queue, deliveries by channel and result (a PSA ticket is the `ticket`
 * channel), PSA tickets, remediation actions by result, entities enrichment could not record. A
 * family whose query fails is left out of that scrape and counted in
 * `tenantwatch_operations_read_errors_total`.
 */
export function operationsMetrics(registry: Registry, reader: OperationsReader): void {
  const errors = new Counter({
    name: 'tenantwatch_operations_read_errors_total',
    help: 'Scrapes where reading a metric family from the database failed, by family',
    labelNames: ['family'] as const,
    registers: [registry],
  });
  type Labels<L extends string> = Partial<Record<L, string>>;
  // One gauge per metric; gauges of one family share the reader's cached result.
  function family<T, L extends string>(
    name: string,
    read: () => Promise<T[] | null>,
    gauges: { name: string; help: string; labels: readonly L[]; values: (row: T) => [Labels<L>, number | null][] }[],
  ) {
    for (const g of gauges) {
      new Gauge({
        name: g.name,
        help: g.help,
        labelNames: g.labels,
        registers: [registry],
        async collect() {
          this.reset();
          let items: T[] | null;
          try {
            items = await read();
          } catch {
            errors.inc({ family: name });
            return;
          }
          for (const row of items ?? [])
            for (const [labels, value] of g.values(row)) if (value !== null && Number.isFinite(value)) this.set(labels as never, value);
        },
      });
    }
  }
  const tenantSource = ['tenant', 'tenant_name', 'source'] as const;
  family('collectors', reader.collectors, [
    {
      name: 'tenantwatch_collector_data_lag_seconds',
      help: 'Seconds since the end of the newest window a collector has fully collected, per tenant and source',
      labels: tenantSource,
      values: (r) => [[{ tenant: r.tenantId, tenant_name: r.tenantName, source: r.source }, r.dataLagSeconds]],
    },
    {
      name: 'tenantwatch_collector_last_success_age_seconds',
      help: 'Seconds since the last successful collection, per tenant and source',
      labels: tenantSource,
      values: (r) => [[{ tenant: r.tenantId, tenant_name: r.tenantName, source: r.source }, r.sinceSuccessSeconds]],
    },
    {
      name: 'tenantwatch_collector_consecutive_failures',
      help: 'Failed collections in a row, per tenant and source (0 after a success)',
      labels: tenantSource,
      values: (r) => [[{ tenant: r.tenantId, tenant_name: r.tenantName, source: r.source }, r.consecutiveFailures]],
    },
  ]);
  family('queues', reader.queues, [
    {
      name: 'tenantwatch_queue_waiting_jobs',
      help: 'Jobs waiting in each queue (created or to be retried)',
      labels: ['queue'] as const,
      values: (r) => [[{ queue: r.queue }, r.waiting]],
    },
    {
      name: 'tenantwatch_queue_oldest_job_age_seconds',
      help: 'Seconds the oldest due job of each queue has waited past its start time (0 when none is due)',
      labels: ['queue'] as const,
      values: (r) => [[{ queue: r.queue }, r.oldestDueSeconds]],
    },
  ]);
  family('deliveries', reader.deliveries, [
    {
      name: 'tenantwatch_deliveries',
      help: 'Trigger deliveries in the outbox by channel (email, webhook, slack, teams, ticket, remediation) and result (sent, retrying, failed, pending, sending); tests excluded',
      labels: ['channel', 'result'] as const,
      values: (r) => [[{ channel: r.channel, result: DELIVERY_RESULTS[r.status] ?? r.status }, r.count]],
    },
  ]);
  family('psa_tickets', reader.psaTickets, [
    {
      name: 'tenantwatch_psa_tickets',
      help: 'PSA tickets Tenantwatch opened, by PSA and state (open, closed); tests excluded',
      labels: ['psa', 'state'] as const,
      values: (r) => [[{ psa: r.psa, state: r.state }, r.count]],
    },
  ]);
  family('remediations', reader.remediations, [
    {
      name: 'tenantwatch_remediation_actions',
      help: 'Remediation actions by action and result (succeeded, failed, pending_approval, approved, running, rejected, expired)',
      labels: ['action', 'result'] as const,
      values: (r) => [[{ action: r.action, result: r.status }, r.count]],
    },
  ]);
  family('enrichment', reader.enrichment, [
    {
      name: 'tenantwatch_enrichment_failures',
      help: 'Entities enrichment gave up on (recorded as not available), by entity kind',
      labels: ['kind'] as const,
      values: (r) => (r.status === 'unavailable' ? [[{ kind: r.kind }, r.count]] : []),
    },
    {
      name: 'tenantwatch_enrichment_pending',
      help: 'Entities waiting for enrichment, by entity kind',
      labels: ['kind'] as const,
      values: (r) => (r.status === 'pending' ? [[{ kind: r.kind }, r.count]] : []),
    },
  ]);
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
