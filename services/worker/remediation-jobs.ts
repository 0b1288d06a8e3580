import type { SecretBox } from '../crypto.ts';
import type { TokenProvider } from '../microsoft/token-provider.ts';
import { executeRemediation, expireStaleRemediations, MAX_ATTEMPTS, unqueuedRemediations } from '../core/remediation/execute-remediation.ts';
import type { RemediationQueue } from '../core/remediation/queue.ts';
import type { JobDefinition, JobDeps } from './jobs.ts';
import { sendJob, type PgBoss } from './queue.ts';

/** Remediation runs Graph and Exchange writes: it needs Microsoft's clients and the key that seals a temporary password. Node only. */
export type RemediationJobDeps = JobDeps & { boss: PgBoss; tokens: TokenProvider; secrets: SecretBox };

export const REMEDIATION_JOBS = {
  /**
   * Runs one approved action. One queued and one running job per action (`stately`, the action
   * id as singleton key); the action row's state machine makes a retried job harmless.
   */
  'remediation.execute': {
    policy: 'stately',
    retryLimit: MAX_ATTEMPTS - 1,
    expireInSeconds: 120,
    run: async (data: unknown, { database, log, config, tokens, secrets }) => {
      const { requestId } = data as { requestId: string };
      return executeRemediation({ db: database.db, log, secrets, access: { config, tokens } }, requestId);
    },
  },
  /** Every minute: pending approvals past their expiry expire; approved actions no job took are queued. */
  'remediation.sweep': {
    schedule: '* * * * *',
    expireInSeconds: 90,
    run: async (_data: unknown, { database, boss }) => {
      const expired = await expireStaleRemediations(database.db);
      const ids = await unqueuedRemediations(database.db);
      const queue = remediationQueue(boss);
      for (const id of ids) await queue.send(id);
      return { expired: expired.length, queued: ids.length };
    },
  },
} satisfies Record<string, JobDefinition<unknown, RemediationJobDeps>>;

/** Hands an approved action to the `remediation.execute` workers (a no-op when one is queued already). */
export function remediationQueue(boss: PgBoss): RemediationQueue {
  return {
    send: async (requestId) => {
      await sendJob(boss, 'remediation.execute', { requestId }, { singletonKey: requestId });
    },
  };
}
