import { Registry } from 'prom-client';
import { loadConfig, type Config } from '../../config.ts';
import { createSecretBox, resolveSecretKey } from '../../crypto.ts';
import { createLogger, type Logger } from '../../log.ts';
import { JOBS } from '../../worker/jobs.ts';
import { createApp } from '../app.ts';
import type { App } from '../types.ts';
import { workersReferenceRoutes } from './runtime/reference.ts';
import { openHyperdriveDatabase, requestDatabase, runWithDatabase } from './runtime/request-database.ts';
import type { ExecutionContext, ScheduledController, WorkerEnv } from './runtime/types.ts';

/**
 * The Cloudflare Workers entry (wrangler.toml `main`): the web app and the REST API at the edge,
 * with Postgres through Hyperdrive. What runs where:
 * - `fetch`: the portable app from app.ts. Static files of the web app are answered by Workers
 *   static assets before this code runs; /api/*, /healthz and /metrics always come here.
 * - `scheduled`: the maintenance jobs of services/worker/jobs.ts whose `schedule` is the Cron
 *   Trigger that fired.
 * - Not here: migrations (run `tenantwatch migrate` from a Node machine before deploying) and
 *   the pg-boss queue workers, which are long-running and live on Node machines; /healthz
 *   reports the queue as "not running" here.
 */

type Isolate = { config: Config; log: Logger; app: App };

let isolate: { env: WorkerEnv; built: Isolate } | undefined;

/** Settings for `loadConfig`: the Worker's string vars and secrets, and the database through Hyperdrive. */
function workerSettings(env: WorkerEnv): Record<string, string | undefined> {
  const vars = Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  return { ...Object.fromEntries(vars), DATABASE_URL: env.HYPERDRIVE.connectionString };
}

/**
 * Configuration, logger and app, built once per isolate (a Worker's env does not change within
 * one). A bad setting throws a ConfigError naming it, on every request until it is fixed.
 */
function boot(env: WorkerEnv): Isolate {
  if (isolate?.env === env) return isolate.built;
  const config = loadConfig(workerSettings(env));
  // Workers Logs collects console output; pino's JSON lines go there.
  const log = createLogger(config, { write: (line: string) => console.log(line.trimEnd()) });
  const secrets = createSecretBox(resolveSecretKey(config));
  // Per isolate: Workers run many isolates, so /metrics shows one isolate's share of the traffic.
  const metrics = new Registry();
  const app = createApp(
    { config, database: requestDatabase, secrets, log, metrics },
    {
      api: (app) => app.route('/', workersReferenceRoutes),
      web: (app) => app.get('*', async (c, next) => (await singlePageApp(c.env as WorkerEnv, c.req.raw)) ?? next()),
    },
  );
  isolate = { env, built: { config, log, app } };
  return isolate.built;
}

/**
 * A page the static assets did not have (a deep link such as /tenants/123): the single-page
 * app's shell, which routes in the browser, as the Node server does. Cloudflare's own SPA
 * handling looks for index.html, and this build's shell is 200.html, so such requests reach the
 * Worker. The browser's conditional headers go along, so a cached shell is revalidated (304).
 */
async function singlePageApp(env: WorkerEnv, request: Request): Promise<Response | undefined> {
  const shell = await env.ASSETS.fetch(new Request(new URL('/200.html', request.url), { headers: request.headers }));
  // No web app in the deployment (web/build was not built): the usual JSON 404.
  if (!shell.ok && shell.status !== 304) return undefined;
  const response = new Response(shell.body, shell);
  response.headers.set('Cache-Control', 'no-cache');
  return response;
}

function misconfigured(err: unknown): Response {
  const requestId = crypto.randomUUID();
  // ConfigError messages name the setting and never show a secret's value.
  console.error(JSON.stringify({ level: 'fatal', requestId, msg: err instanceof Error ? err.message : String(err) }));
  const message = 'Tenantwatch is not configured correctly on this Worker; its log names the setting to fix.';
  return Response.json({ error: { code: 'misconfigured', message, requestId } }, { status: 503, headers: { 'X-Request-Id': requestId } });
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let app: App;
    try {
      ({ app } = boot(env));
    } catch (err) {
      return misconfigured(err);
    }
    // One short-lived pool per request (Hyperdrive keeps the real connections warm); it only
    // connects when a route touches the database, and is closed once the response is out.
    const database = await openHyperdriveDatabase(env.HYPERDRIVE);
    try {
      return await runWithDatabase(database, () => app.fetch(request, env, ctx));
    } finally {
      ctx.waitUntil(database.close());
    }
  },

  async scheduled(controller: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const { log, config } = boot(env);
    const due = Object.entries(JOBS).filter(([, job]) => job.schedule === controller.cron);
    if (due.length === 0) {
      log.warn({ cron: controller.cron }, 'no job has this schedule: align wrangler.toml [triggers] crons with services/worker/jobs.ts');
      return;
    }
    const database = await openHyperdriveDatabase(env.HYPERDRIVE);
    const failed: string[] = [];
    try {
      for (const [name, job] of due) {
        try {
          const result = await job.run({}, { database, log, config });
          log.info({ job: name, cron: controller.cron, result }, 'scheduled job done');
        } catch (err) {
          failed.push(name);
          log.error({ err, job: name, cron: controller.cron }, 'scheduled job failed');
        }
      }
    } finally {
      ctx.waitUntil(database.close());
    }
    // Jobs are idempotent: the next trigger re-does what this one could not. Failing the
    // invocation shows it in the Worker's Cron events.
    if (failed.length > 0) throw new Error(`scheduled jobs failed: ${failed.join(', ')}`);
  },
};
