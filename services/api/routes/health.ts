import { Hono } from 'hono';
import { errorBody } from '../errors.ts';
import { serveMetrics } from '../metrics.ts';
import type { AppDeps, AppEnv } from '../types.ts';

/** Operations endpoints, outside the versioned API: /healthz without auth (no data in it), /metrics behind its token. */
export const healthRoutes = new Hono<AppEnv>()
  .get('/healthz', async (c) => {
    const report = await healthReport(c.get('deps'));
    c.header('Cache-Control', 'no-store');
    return c.json(report, report.status === 'failing' ? 503 : 200);
  })
  // On the application's port only with TW_METRICS_TOKEN; otherwise on TW_METRICS_PORT, or off.
  .get('/metrics', async (c) => {
    const { metrics, config } = c.get('deps');
    if (config.metrics.token === undefined) return c.json(errorBody(c, 'not_found', `Nothing here: ${c.req.method} ${c.req.path}`), 404);
    return serveMetrics(c, metrics, config.metrics.token);
  });

type Check = 'ok' | 'degraded' | 'failing' | 'not running' | 'not checked';

/**
 * /healthz: `failing` (503) when the database or the queue does not answer; `degraded` (200) when
 * the product runs but part of it does not work: a queue whose oldest due job has waited past
 * TW_HEALTH_QUEUE_STUCK_SECONDS, tenants whose collection failed TW_HEALTH_COLLECTOR_FAILURES
 * times in a row, a delivery channel (SMTP, PSA, web requests…) whose deliveries wait for a retry.
 * `problems` says what is wrong in plain words; it names no tenant, address or error text, since
 * /healthz answers anyone.
 */
export async function healthReport(deps: AppDeps) {
  const { database, queueHealthy, operations, config } = deps;
  const problems: string[] = [];
  const checks: Record<'database' | 'queue' | 'collectors' | 'deliveries', Check> = {
    database: 'ok',
    queue: queueHealthy ? 'ok' : 'not running',
    collectors: 'not checked',
    deliveries: 'not checked',
  };
  const [db, queue] = await Promise.all([
    database.ping().then(
      () => true,
      () => false,
    ),
    queueHealthy ? queueHealthy().catch(() => false) : Promise.resolve(true),
  ]);
  if (!db) {
    checks.database = 'failing';
    problems.push('the database does not answer');
  }
  if (!queue) {
    checks.queue = 'failing';
    problems.push('the job queue does not answer');
  }
  if (db && operations) {
    const [queues, collectors, retrying] = await Promise.all([
      operations.queues().catch(() => undefined),
      operations.collectors().catch(() => undefined),
      operations.retrying().catch(() => undefined),
    ]);
    const limit = config.health.queueStuckSeconds;
    for (const q of queues ?? []) {
      if (q.oldestDueSeconds < limit) continue;
      if (checks.queue !== 'failing') checks.queue = 'degraded';
      problems.push(`queue ${q.queue} is stuck: its oldest due job has waited ${duration(q.oldestDueSeconds)} (over ${duration(limit)}), ${q.waiting} waiting`);
    }
    if (collectors) {
      const failing = new Set(collectors.filter((r) => r.consecutiveFailures >= config.health.collectorFailures).map((r) => r.tenantId));
      checks.collectors = failing.size > 0 ? 'degraded' : 'ok';
      if (failing.size > 0)
        problems.push(
          `collection is failing for ${failing.size} ${failing.size === 1 ? 'tenant' : 'tenants'} (${config.health.collectorFailures} or more failures in a row; the tenants page says why)`,
        );
    }
    if (retrying) {
      checks.deliveries = retrying.length > 0 ? 'degraded' : 'ok';
      for (const r of retrying)
        problems.push(`${CHANNEL_WORDS[r.channel] ?? r.channel} failing: ${r.count} ${r.count === 1 ? 'delivery waits' : 'deliveries wait'} for a retry`);
    }
  }
  const failing = checks.database === 'failing' || checks.queue === 'failing';
  const degraded = Object.values(checks).includes('degraded');
  return { status: failing ? ('failing' as const) : degraded ? ('degraded' as const) : ('ok' as const), checks, problems };
}

const CHANNEL_WORDS: Record<string, string> = {
  email: 'email delivery (SMTP) is',
  webhook: 'web requests are',
  slack: 'Slack messages are',
  teams: 'Teams messages are',
  ticket: 'PSA ticket delivery is',
  remediation: 'automatic remediation is',
};

function duration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} seconds`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} minutes`;
  return `${Math.round(seconds / 3600)} hours`;
}
