import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../services/config.ts';
import { createLogger } from '../services/log.ts';
import type { JobDefinition } from '../services/worker/jobs.ts';
import { JOBS } from '../services/worker/jobs.ts';
import { PIPELINE_JOBS, type PipelineDeps } from '../services/worker/pipeline-jobs.ts';
import { MalformedPayloadError, readPayload, sendJob, startQueue, startWorkers, stopQueue } from '../services/worker/queue.ts';
import { createTestDatabase } from './helpers/database.ts';

const log = createLogger({ logLevel: 'silent' });
const config = loadConfig({});

describe(`queue and workers (pg-boss on ${process.env.DATABASE_URL ? 'Postgres' : 'PGlite'})`, () => {
  let handle: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    handle = await createTestDatabase();
  });
  afterAll(() => handle.drop());

  test('a graceful stop loses no queued job: in-flight jobs finish or are released, the rest wait', async () => {
    const TOTAL = 12;
    const done = new Map<number, number>();
    let started = 0;
    let firstStopped = false;
    let releaseSlowJobs: () => void = () => {};
    const slowGate = new Promise<void>((resolve) => (releaseSlowJobs = resolve));

    // Every job records its completion; the first ones are slow, so the stop lands mid-flight.
    const makeJobs = (phase: 'first' | 'second'): Record<string, JobDefinition> => ({
      'test.count': {
        run: async (data) => {
          const { n } = data as { n: number };
          started += 1;
          if (phase === 'first' && n < 2) {
            await slowGate;
            // The first process is gone by now: whatever it was doing never completes.
            if (firstStopped) throw new Error('process gone');
          }
          done.set(n, (done.get(n) ?? 0) + 1);
        },
        retryLimit: 3,
      },
    });

    const first = await startQueue(handle.database, log, { schedule: false });
    await first.createQueue('test.count');
    for (let n = 0; n < TOTAL; n++) await first.send('test.count', { n }, { retryLimit: 3, retryDelay: 0 });
    await startWorkers(first, makeJobs('first'), { database: handle.database, log, config }, { concurrency: 2, pollingIntervalSeconds: 0.5 });
    await expect.poll(() => started, { timeout: 15_000, interval: 50 }).toBeGreaterThanOrEqual(2);

    // Stop while the two slow jobs are in flight; the 1 s grace passes, so they are released.
    await stopQueue(first, 1);
    firstStopped = true;
    releaseSlowJobs();
    expect(done.has(0) || done.has(1)).toBe(false);
    expect(done.size).toBeLessThan(TOTAL);

    // A new worker (a restarted process) picks up everything that was not finished.
    const handle2 = handle.url ? await import('../db/client.ts').then((m) => m.openDatabase({ databaseUrl: handle.url })) : handle.database;
    const second = await startQueue(handle2, log, { schedule: false });
    await startWorkers(second, makeJobs('second'), { database: handle2, log, config }, { concurrency: 2, pollingIntervalSeconds: 0.5 });
    await expect.poll(() => done.size, { timeout: 30_000, interval: 100 }).toBe(TOTAL);
    await stopQueue(second, 5);
    if (handle2 !== handle.database) await handle2.close();

    // The released in-flight jobs (0 and 1) were completed by the second worker.
    for (let n = 0; n < TOTAL; n++) expect(done.get(n), `job ${n}`).toBe(1);
  }, 60_000);

  test('a malformed payload fails its job with what is wrong in it; the handler never sees it', async () => {
    const seen: unknown[] = [];
    const jobs: Record<string, JobDefinition> = {
      'test.payload': {
        payload: z.object({ tenantId: z.guid() }),
        run: async (data) => void seen.push(data),
        retryLimit: 0,
      },
    };
    const boss = await startQueue(handle.database, log, { schedule: false });
    try {
      await boss.createQueue('test.payload');
      const bad = (await boss.send('test.payload', { tenant: 'contoso' }, { retryLimit: 0 }))!;
      const good = (await boss.send('test.payload', { tenantId: '0b5c1e2a-4f7d-4c1e-9b8a-1c2d3e4f5a6b' }, { retryLimit: 0 }))!;
      await startWorkers(boss, jobs, { database: handle.database, log, config }, { concurrency: 1, pollingIntervalSeconds: 0.5 });
      await expect.poll(async () => (await boss.getJobById('test.payload', bad))?.state, { timeout: 30_000, interval: 200 }).toBe('failed');
      await expect.poll(async () => (await boss.getJobById('test.payload', good))?.state, { timeout: 30_000, interval: 200 }).toBe('completed');
      const failed = await boss.getJobById('test.payload', bad);
      expect((failed?.output as { message?: string }).message).toMatch(/^test\.payload: malformed payload: .*tenantId/);
      expect(seen).toEqual([{ tenantId: '0b5c1e2a-4f7d-4c1e-9b8a-1c2d3e4f5a6b' }]);
    } finally {
      await stopQueue(boss, 2);
    }
  });

  test("a job sent with sendJob wakes this process's idle workers: it runs without waiting for their next poll", async () => {
    const ran: unknown[] = [];
    const boss = await startQueue(handle.database, log, { schedule: false });
    try {
      // Workers that poll once an hour: only the wake-up can start the job within the test.
      await startWorkers(
        boss,
        { 'test.wake': { run: async (data) => void ran.push(data) } },
        { database: handle.database, log, config },
        { concurrency: 2, pollingIntervalSeconds: 3600 },
      );
      await sendJob(boss, 'test.wake', { n: 1 });
      await expect.poll(() => ran, { timeout: 30_000, interval: 50 }).toEqual([{ n: 1 }]);
    } finally {
      await stopQueue(boss, 2);
    }
  }, 60_000);

  test.each([
    ['collect.tenant', { tenantId: 42 }],
    ['detect.activity', { activityIds: 'one,two' }],
    ['detect.activity', {}],
    ['enrich.event', { eventId: 'not-an-id' }],
  ] as const)('the pipeline job %s refuses the payload %j', (name, data) => {
    const job: JobDefinition<unknown, PipelineDeps> = PIPELINE_JOBS[name];
    expect(() => readPayload(name, job, data)).toThrow(MalformedPayloadError);
    expect(() => readPayload(name, job, data)).toThrow(new RegExp(`^${name.replace('.', '\\.')}: malformed payload`));
  });

  test('the built-in jobs are registered with their schedules', async () => {
    const boss = await startQueue(handle.database, log);
    await startWorkers(boss, JOBS, { database: handle.database, log, config }, { concurrency: 1 });
    const schedules = await boss.getSchedules();
    expect(schedules.map((s) => s.name)).toContain('maintenance.purge-sessions');
    await stopQueue(boss, 2);
  });
});
