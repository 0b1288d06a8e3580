import type { z } from 'zod';
import type { Database } from '../../db/client.ts';
import type { Config } from '../config.ts';
import { purgeExpiredSessions } from '../core/auth/sessions.ts';
import { purgeOldActivity } from '../collector/retention.ts';
import type { Logger } from '../log.ts';
import { writeWeeklyDigests } from '../notify/digest.ts';
import { runDueScheduledTriggers } from '../notify/scheduled-triggers.ts';

/** What a job handler gets: the shared process resources, never request state. */
export type JobDeps = { database: Database; log: Logger; config: Config };

export type JobDefinition<T = unknown, D = JobDeps> = {
  /**
   * The shape of the job's data, checked before `run` (queue.ts): a malformed payload fails the
   * job with what is wrong in it, and `run` never sees it. Scheduled jobs, which carry no data,
   * have none.
   */
  payload?: z.ZodType<T>;
  /** The service verb this job runs. Handlers must be idempotent: a crash re-runs them. */
  run(data: T, deps: D): Promise<unknown>;
  /** Cron expression (UTC) when the job is scheduled rather than sent. */
  schedule?: string;
  /** Attempts after the first; released in-flight jobs (graceful stop) count as one. */
  retryLimit?: number;
  /**
   * pg-boss queue policy; `stately` with a singleton key keeps one queued and one running per key,
   * `short` one queued per key (running ones do not count).
   */
  policy?: 'standard' | 'stately' | 'short';
  /**
   * Seconds a job may stay active before pg-boss fails it (and retries it, within its retry
   * limit); pg-boss's default is 15 minutes. This is how a job whose process died is picked up
   * again on Postgres, where another process may still be running it; on PGlite the one owner
   * returns such jobs at start-up (`failOrphanedJobs`). Give a short expiry only where a job's
   * runtime is bounded well below it: an expired job that still runs is run twice at once.
   */
  expireInSeconds?: number;
  /** Jobs of this queue one process runs at once; `TW_WORKER_CONCURRENCY` when not given. */
  concurrency?: (config: Config) => number;
};

/**
 * Maintenance: jobs that need only the database, so they run wherever Tenantwatch runs (Node
 * workers, and the Cloudflare Worker's Cron Trigger). The pipeline's queues (collect, detect,
 * enrich, notify, ticket) are in pipeline-jobs.ts.
 */
export const JOBS = {
  'maintenance.purge-sessions': {
    run: async (_data: unknown, { database, log }) => {
      const purged = await purgeExpiredSessions(database.db);
      if (purged > 0) log.info({ purged }, 'purged expired sessions');
      return { purged };
    },
    schedule: '17 * * * *',
  },
  'maintenance.purge-activity': {
    run: async (_data: unknown, { database, log, config }) => {
      const purged = await purgeOldActivity(database.db, config.collect.retentionDays);
      if (purged > 0) log.info({ purged, retentionDays: config.collect.retentionDays }, 'purged raw activity past retention');
      return { purged };
    },
    schedule: '41 3 * * *',
  },
  /**
   * Mondays: the weekly digest per MSP and per tenant, written to the outbox (the sender mails
   * it). Its key per week makes a re-run write nothing twice.
   */
  'notify.weekly-digest': {
    run: async (_data: unknown, { database, log }) => {
      const written = await writeWeeklyDigests(database.db);
      if (written > 0) log.info({ digests: written }, 'weekly digests queued');
      return { written };
    },
    schedule: '0 7 * * 1',
  },
  /**
   * Every minute: the scheduled triggers that are due. Each run takes its trigger's row under a
   * lock and moves its due time on, so several workers run each due time once.
   */
  'notify.scheduled-triggers': {
    run: async (_data: unknown, { database, log }) => {
      const ran = await runDueScheduledTriggers(database.db);
      if (ran > 0) log.info({ triggers: ran }, 'scheduled triggers run');
      return { ran };
    },
    schedule: '* * * * *',
  },
} satisfies Record<string, JobDefinition>;

export type JobName = keyof typeof JOBS;
