import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { outlastClientKeepAlive } from './http-keep-alive.ts';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { openDatabase, type Database } from '../db/client.ts';
import { startMetricsServer } from './api/metrics-server.ts';
import { answerClientErrors, createNodeApp } from './api/node.ts';
import { cookiesAreSecure } from './api/auth/cookies.ts';
import type { App } from './api/types.ts';
import { ConfigError, type Config } from './config.ts';
import { REMEDIATION_JOBS, remediationQueue } from './worker/remediation-jobs.ts';
import { createFirstOwnerLink, setupPath } from './core/auth/setup-tokens.ts';
import { createSecretBox, resolveSecretKey, type SecretBox } from './crypto.ts';
import { createLogger, type Logger } from './log.ts';
import { createTokenProvider } from './microsoft/token-provider.ts';
import { createMicrosoftLogin } from './core/auth/microsoft-login.ts';
import { createIpIntel } from '../enrichment/ip/index.ts';
import { createConfiguredEntityLookup } from '../enrichment/lookup.ts';
import { startDemo, withDemoEndpoints, type RunningDemo } from './demo/demo.ts';
import { JOBS } from './worker/jobs.ts';
import { collectionQueue, PIPELINE_JOBS, sendForEnrichment } from './worker/pipeline-jobs.ts';
import { createImportRunner } from './core/import/import-runner.ts';
import { eventsWithPendingEntities } from '../enrichment/stage.ts';
import { startNotify, type Notify } from './notify/index.ts';
import { createAutoResponder } from './core/remediation/auto-respond.ts';
import { createTicketFiler } from './core/psa/deliver-ticket.ts';
import { failOrphanedJobs, type PgBoss, queueIsHealthy, startQueue, startWorkers, stopQueue } from './worker/queue.ts';

export const WEB_BUILD_DIR = fileURLToPath(new URL('../web/build', import.meta.url));

export type Runtime = {
  config: Config;
  log: Logger;
  database: Database;
  secrets: SecretBox;
  boss: PgBoss;
  notify: Notify;
  app: App;
  server: ServerType;
  /** Where the server listens, e.g. http://127.0.0.1:8787. */
  url: string;
  /** Graceful stop: stop taking requests, let jobs finish or release them, close the database. */
  stop(): Promise<void>;
};

/** The workers' part of a process: database, queue, notification and every queue's workers. */
type Pipeline = {
  config: Config;
  log: Logger;
  database: Database;
  secrets: SecretBox;
  boss: PgBoss;
  notify: Notify;
  tokens: ReturnType<typeof createTokenProvider>;
  ipIntel: ReturnType<typeof createIpIntel>;
  entityLookup: ReturnType<typeof createConfiguredEntityLookup>;
  /** Lets in-flight jobs finish (or releases them), then closes everything. */
  stop(): Promise<void>;
};

/**
 * Opens (and migrates) the database, starts the demo, the queue and every queue's workers. Many
 * processes may do this on one Postgres: they share the pg-boss queues, and the collection
 * queue's singleton key per tenant keeps each tenant to one pass at a time across them.
 */
async function startPipeline(parsed: Config, log: Logger): Promise<Pipeline> {
  const secrets = createSecretBox(resolveSecretKey(parsed, log));
  const database = await openDatabase({ databaseUrl: parsed.databaseUrl, dataDir: parsed.dataDir, command: 'start' });
  try {
    await database.migrate();
  } catch (err) {
    await database.close();
    throw err;
  }
  log.info({ database: database.kind, dataDir: database.kind === 'pglite' ? parsed.dataDir : undefined }, 'database ready');

  // Before anything else starts: every stage is handed the configuration with the demo
  // tenant's endpoints already in it.
  let demo: RunningDemo | null = null;
  try {
    demo = await startDemo({ config: parsed, database, secrets, log });
  } catch (err) {
    await database.close();
    throw err;
  }
  const config = withDemoEndpoints(parsed, demo);

  const boss = await startQueue(database, log, { maintenanceSeconds: config.queueMaintenanceSeconds });
  if (database.kind === 'pglite') {
    // This process holds the data dir alone, so a job still active was left by a crash: retry it now, not after its expiry.
    const orphaned = await failOrphanedJobs(boss);
    if (orphaned.length > 0) log.warn({ jobs: orphaned }, 'jobs left running by a crash were returned to their queues to be retried');
  }
  const jobDeps = { database, log, config };
  const tokens = createTokenProvider(config, secrets);
  // IP intelligence for detections and enrichment; a missing or broken database is reported by
  // its provider and the others keep answering (enrichment/ip).
  const ipIntel = createIpIntel(config.ipIntel, { log: (level, message) => log[level]({ component: 'ip-intel' }, message) });
  let notify: Notify;
  try {
    notify = await startNotify({
      database,
      config,
      log,
      secrets,
      remediate: createAutoResponder({ db: database.db, secrets, queue: remediationQueue(boss) }),
      ticket: createTicketFiler({ database, secrets, publicUrl: config.publicUrl, log }),
    });
  } catch (err) {
    await stopQueue(boss, 1);
    await demo?.stop();
    await database.close();
    throw err;
  }
  // One entity lookup for the process: the enrichment workers and the event page share its clients, caches and limits.
  const entityLookup = createConfiguredEntityLookup(config, { tokens, ipIntel });
  await startWorkers(boss, JOBS, jobDeps, { concurrency: 1 });
  await startWorkers(boss, PIPELINE_JOBS, { ...jobDeps, boss, tokens, ipIntel, lookup: entityLookup, notify }, { concurrency: config.workerConcurrency });
  await startWorkers(boss, REMEDIATION_JOBS, { ...jobDeps, boss, tokens, secrets }, { concurrency: config.workerConcurrency, pollingIntervalSeconds: 1 });
  const stop = async () => {
    await stopQueue(boss, config.shutdownGraceSeconds);
    await notify.stop();
    await ipIntel.close();
    await demo?.stop();
    await database.close();
  };
  return { config, log, database, secrets, boss, notify, tokens, ipIntel, entityLookup, stop };
}

/** A `tenantwatch worker` process: the workers without the web app and API. */
export type WorkerRuntime = Omit<Pipeline, 'tokens' | 'ipIntel' | 'entityLookup'>;

/**
 * Boots a worker process on Postgres: it takes jobs from the queues every `start` and `worker`
 * process shares. On PGlite one process owns the data dir, and `tenantwatch start` runs the workers.
 */
export async function startWorkerRuntime(parsed: Config, options: { log?: Logger } = {}): Promise<WorkerRuntime> {
  const log = options.log ?? createLogger(parsed);
  if (!parsed.databaseUrl) {
    throw new ConfigError(
      'tenantwatch worker runs beside other processes on one Postgres server: set DATABASE_URL. On the embedded database, `tenantwatch start` runs the workers itself.',
    );
  }
  const pipeline = await startPipeline(parsed, log);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      log.info('stopping');
      await pipeline.stop();
      log.info('stopped');
    })());
  log.info({ concurrency: { collect: pipeline.config.collect.concurrency, pipeline: pipeline.config.workerConcurrency } }, 'worker is taking jobs');
  return { ...pipeline, stop };
}

/**
 * Boots the embedded product in one process: database (migrated), queue and workers, the API
 * and the web app. On a fresh install it prints the one-time setup link for the first owner.
 */
export async function startRuntime(parsed: Config, options: { log?: Logger; webRoot?: string | null } = {}): Promise<Runtime> {
  const log = options.log ?? createLogger(parsed);
  const pipeline = await startPipeline(parsed, log);
  const { config, database, secrets, boss, notify, tokens, ipIntel, entityLookup } = pipeline;

  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics, prefix: 'tenantwatch_' });
  const webRoot = options.webRoot === null ? undefined : (options.webRoot ?? (existsSync(WEB_BUILD_DIR) ? WEB_BUILD_DIR : undefined));
  if (!webRoot) log.warn('web app not built (run `npm run build:web`); serving the API only');
  const shutdown = new AbortController();
  const microsoftLogin = createMicrosoftLogin(config, secrets);
  // Uploaded audit exports are imported here, in the background; their events go to the enrichment workers.
  const imports = createImportRunner({
    db: database.db,
    log,
    dir: join(config.dataDir, 'imports'),
    maxBytes: config.importMaxBytes,
    ipIntel,
    afterRun: async (summary) => {
      await sendForEnrichment(boss, await eventsWithPendingEntities(database.db, summary.detection.eventIds));
    },
  });
  const app = createNodeApp(
    {
      config,
      database,
      secrets,
      log,
      metrics,
      tokens,
      microsoftLogin,
      ipIntel,
      entityLookup,
      imports,
      outbox: notify.sink,
      remediationQueue: remediationQueue(boss),
      collectionQueue: collectionQueue(boss, config.collect.jobExpirySeconds),
      queueHealthy: () => queueIsHealthy(boss),
      shutdown: shutdown.signal,
    },
    { webRoot },
  );

  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
    s.once('error', reject);
  });
  answerClientErrors(outlastClientKeepAlive(server));
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  log.info({ url, publicUrl: config.publicUrl }, 'Tenantwatch is listening');
  const metricsServer = config.metrics.port ? await startMetricsServer(config, metrics) : null;
  if (metricsServer) log.info({ url: metricsServer.url }, 'metrics are served');
  if (!cookiesAreSecure(config)) {
    log.warn(
      { publicUrl: config.publicUrl },
      'TW_PUBLIC_URL is plain http on a non-local host: session cookies are sent without the Secure flag; serve Tenantwatch over https',
    );
  }

  const setupToken = await createFirstOwnerLink(database.db);
  if (setupToken) {
    const link = config.publicUrl + setupPath(setupToken);
    log.info({ setupUrl: link }, 'no owner yet: open the setup link to create the first account');
    // Also plainly on stderr, where a person starting the product looks first.
    process.stderr.write(`\n  First start: create the owner account at\n  ${link}\n  (valid for 24 hours, once)\n\n`);
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      log.info('stopping');
      // Open event streams end first; the server waits for every open response before it closes.
      shutdown.abort();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await metricsServer?.close();
      // An import still reading is marked interrupted at the next start (nothing it stored is lost).
      imports.stop();
      await pipeline.stop();
      log.info('stopped');
    })());

  return { config, log, database, secrets, boss, notify, app, server, url, stop };
}
