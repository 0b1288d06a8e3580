import type { Database } from '../../db/client.ts';
import { purgeExpiredSessions } from '../core/auth/sessions.ts';
import type { Logger } from '../log.ts';

/** What a job handler gets: the shared process resources, never request state. */
export type JobDeps = { database: Database; log: Logger };

export type JobDefinition<T = unknown> = {
  /** The service verb this job runs. Handlers must be idempotent: a crash re-runs them. */
  run(data: T, deps: JobDeps): Promise<unknown>;
  /** Cron expression (UTC) when the job is scheduled rather than sent. */
  schedule?: string;
  /** Attempts after the first; released in-flight jobs (graceful stop) count as one. */
  retryLimit?: number;
};

/**
 * Table of contents of background work: queue name → the verb it runs. New stages (collect,
 * detect, enrich, notify, ticket) add their queue here.
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
} satisfies Record<string, JobDefinition>;

export type JobName = keyof typeof JOBS;
