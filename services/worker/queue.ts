import PgBoss from 'pg-boss';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import type { Logger } from '../log.ts';
import type { JobDefinition, JobDeps } from './jobs.ts';

export type { PgBoss };

/**
 * Starts pg-boss on the product's database: its own pool on Postgres, the embedded connection
 * on PGlite. pg-boss creates and migrates its `pgboss` schema itself.
 */
export async function startQueue(database: Database, log: Logger, options: { schedule?: boolean; maintenanceSeconds?: number } = {}): Promise<PgBoss> {
  const boss = new PgBoss({
    ...database.boss,
    schema: 'pgboss',
    schedule: options.schedule ?? true,
    // Maintenance (which also expires the jobs of a dead process) and the state monitor are
    // cheap; once a minute (TW_QUEUE_MAINTENANCE_SECONDS) keeps an idle PGlite quiet.
    maintenanceIntervalSeconds: options.maintenanceSeconds ?? 60,
    monitorStateIntervalSeconds: 60,
  });
  boss.on('error', (err) => log.error({ err }, 'queue error'));
  await boss.start();
  return boss;
}

export type WorkerOptions = {
  /** Jobs of one queue handled at once by this process. */
  concurrency: number;
  /** How often an idle worker looks for new jobs. */
  pollingIntervalSeconds?: number;
};

/**
 * Creates each queue, registers its schedule and starts working it. Failures are logged and
 * retried by pg-boss with backoff, up to the job's retry limit.
 */
export async function startWorkers<D extends JobDeps>(
  boss: PgBoss,
  jobs: Record<string, JobDefinition<unknown, D>>,
  deps: D,
  options: WorkerOptions,
): Promise<void> {
  await ensureQueues(boss, jobs);
  for (const [name, job] of Object.entries(jobs)) {
    if (job.schedule) await retryOnDeadlock(() => boss.schedule(name, job.schedule!, {}, { tz: 'UTC' }));
    const concurrency = job.concurrency?.(deps.config) ?? options.concurrency;
    for (let i = 0; i < concurrency; i++) {
      const workerId = await boss.work(name, { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 }, async ([j]) => {
        if (!j) return;
        // Every line the job logs names the job, and the tenant when the job is about one.
        const log = deps.log.child({ job: name, jobId: j.id, ...jobScope(j.data) });
        try {
          return await job.run(readPayload(name, job, j.data), { ...deps, log });
        } catch (err) {
          log.warn({ err }, 'job failed; it will be retried');
          throw err;
        }
      });
      localWorkersOf(boss, name).push(workerId);
    }
  }
}

const localWorkers = new WeakMap<PgBoss, Map<string, string[]>>();
function localWorkersOf(boss: PgBoss, name: string): string[] {
  let byQueue = localWorkers.get(boss);
  if (!byQueue) localWorkers.set(boss, (byQueue = new Map()));
  let ids = byQueue.get(name);
  if (!ids) byQueue.set(name, (ids = []));
  return ids;
}

/**
 * Sends a job and wakes this process's idle workers of its queue, so a stage handing work on in
 * one process does not wait for their next poll (up to `pollingIntervalSeconds` per hop). Workers
 * in other processes still find the job at their next poll. A job delayed by `startAfter` is left
 * to the poll. Returns the job id, or null when a singleton key kept it from being queued.
 */
export async function sendJob(boss: PgBoss, name: string, data: object, options: PgBoss.SendOptions = {}): Promise<string | null> {
  const id = await boss.send(name, data, options);
  if (id && options.startAfter === undefined) for (const workerId of localWorkersOf(boss, name)) boss.notifyWorker(workerId);
  return id;
}

/** The tenant (and MSP) a job's data names, for its log lines. */
export function jobScope(data: unknown): { tenantId?: string; mspId?: string } {
  if (!data || typeof data !== 'object') return {};
  const { tenantId, mspId } = data as Record<string, unknown>;
  return { ...(typeof tenantId === 'string' ? { tenantId } : {}), ...(typeof mspId === 'string' ? { mspId } : {}) };
}

/** A job's data does not match its payload schema; the message names the job and what is wrong (a retry fails the same way). */
export class MalformedPayloadError extends Error {
  override readonly name = 'MalformedPayloadError';
}

/**
 * Checks a job's data against its definition's schema: a payload that does not match (a sender
 * out of step with the worker, a hand-made job) fails with the job's name and what is wrong,
 * instead of reaching the stage as a cast.
 */
export function readPayload<T, D>(name: string, job: JobDefinition<T, D>, data: unknown): T {
  if (!job.payload) return data as T;
  const parsed = job.payload.safeParse(data);
  if (!parsed.success) throw new MalformedPayloadError(`${name}: malformed payload: ${z.prettifyError(parsed.error).replaceAll('\n', '; ')}`);
  return parsed.data;
}

/** Creates the queues (idempotent): jobs can be sent to them before any worker runs. */
export async function ensureQueues<D>(boss: PgBoss, jobs: Record<string, JobDefinition<unknown, D>>): Promise<void> {
  for (const [name, job] of Object.entries(jobs)) {
    const options = {
      name,
      policy: job.policy ?? 'standard',
      retryLimit: job.retryLimit ?? 5,
      retryBackoff: true,
      retryDelay: 5,
      expireInSeconds: job.expireInSeconds ?? DEFAULT_EXPIRY_SECONDS,
    };
    // createQueue leaves an existing queue as it is; the update brings it to the current definition.
    await retryOnDeadlock(() => boss.createQueue(name, options));
    await retryOnDeadlock(() => boss.updateQueue(name, options));
  }
}

/**
 * Runs a start-up step again when Postgres chose it as a deadlock's victim (SQLSTATE 40P01):
 * several processes starting together (`start` and `worker` processes on one server) create and
 * update the same queues and schedules at once, and the victim's step is safe to repeat.
 */
export async function retryOnDeadlock<T>(step: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (attempt >= attempts || (err as { code?: unknown } | null)?.code !== '40P01') throw err;
    }
  }
}

/** pg-boss's own default. */
const DEFAULT_EXPIRY_SECONDS = 15 * 60;

/**
 * Fails (so pg-boss retries them, within their retry limit and with its backoff) the jobs left
 * `active` by a process that died. Call it only while no worker of this queue runs anywhere: on
 * PGlite at start-up, before `startWorkers`, where holding the data dir makes this process the
 * only one. On Postgres another process may still be running an active job: expiry covers it
 * (`expireInSeconds`).
 */
export async function failOrphanedJobs(boss: PgBoss): Promise<{ name: string; count: number }[]> {
  const { rows } = (await boss.getDb().executeSql(`select name, id from pgboss.job where state = 'active'`, [])) as { rows: { name: string; id: string }[] };
  const byQueue = new Map<string, string[]>();
  for (const r of rows) byQueue.set(r.name, [...(byQueue.get(r.name) ?? []), r.id]);
  const failed = [];
  for (const [name, ids] of byQueue) {
    for (const id of ids) await boss.fail(name, id, { message: 'the process running this job stopped before it finished (crash or kill)' });
    failed.push({ name, count: ids.length });
  }
  return failed;
}

/**
 * Graceful stop: no new jobs are fetched, in-flight ones get `graceSeconds` to finish, and any
 * still running after that are released (failed back to their queue, to be retried), so a
 * stop never loses a job.
 */
export async function stopQueue(boss: PgBoss, graceSeconds: number): Promise<void> {
  await boss.stop({ graceful: true, timeout: graceSeconds * 1000, close: true, wait: true });
}

/** A cheap round trip through the queue's tables, for /healthz. */
export async function queueIsHealthy(boss: PgBoss): Promise<boolean> {
  await boss.getQueues();
  return true;
}
