import { readFileSync } from 'node:fs';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { collectorCheckpoint, delivery, trigger, triggerAction } from '../db/schema/index.ts';
import { Registry } from 'prom-client';
import { openDatabase } from '../db/client.ts';
import { createNodeApp } from '../services/api/node.ts';
import { createOperationsReader } from '../services/api/operations.ts';
import { collectTenant, type CollectorDeps } from '../services/collector/collect-tenant.ts';
import { loadConfig } from '../services/config.ts';
import { createLogger } from '../services/log.ts';
import { createTokenProvider } from '../services/microsoft/token-provider.ts';
import { startNotify } from '../services/notify/index.ts';
import { recordProductEvent } from '../services/notify/outbox.ts';
import { startM365Simulator, type M365Simulator } from '../services/sim/m365/index.ts';
import { becScenario, collectorConsent, CONTOSO } from '../services/sim/m365/scenarios/index.ts';
import { simulatorTls } from '../services/sim/m365/tls.ts';
import { startSmtpSink, type SmtpSink } from '../services/sim/smtp/index.ts';
import { startQueue, startWorkers, stopQueue, type PgBoss } from '../services/worker/queue.ts';
import { call, createTestApp, secrets, seedMsp, type Member } from './helpers/app.ts';
import { TEST_SECRET_KEY } from './helpers/database.ts';
import { COLLECTOR_APP_ID, collectorApp } from './helpers/m365-sim.ts';
import { freePort } from './helpers/process.ts';
import { insertSimTenant, simConfig } from './helpers/sim-tenant.ts';

/**
 * /metrics and /healthz after real work: a collection from the Microsoft 365 simulator over
 * HTTPS, alert mail through the SMTP sink (and through an SMTP server that is not there), a job
 * nobody works on pg-boss. The reader's cache is off here (ttl 0), so each scrape reads anew.
 */
const TOKEN = 'a-metrics-token-of-some-length';
const silent = createLogger({ logLevel: 'silent' });

type Sample = { name: string; labels: Record<string, string>; value: number };

function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of m[2]?.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g) ?? []) labels[k!] = v!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

const find = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

describe('operations metrics and health after real activity', () => {
  let t: Awaited<ReturnType<typeof createTestApp>>;
  const sims: M365Simulator[] = [];
  let sink: SmtpSink;
  let boss: PgBoss | undefined;
  let owner: Member;
  let collected: { id: string };

  beforeAll(async () => {
    t = await createTestApp(
      { TW_METRICS_TOKEN: TOKEN, TW_HEALTH_COLLECTOR_FAILURES: '1', TW_HEALTH_QUEUE_STUCK_SECONDS: '1' },
      { operations: (database) => createOperationsReader(database, { ttlMs: 0 }) },
    );
    owner = await seedMsp(t.database, 'owner');
    sink = await startSmtpSink();
  }, 120_000);
  afterAll(async () => {
    if (boss) await stopQueue(boss, 1);
    await sink?.stop();
    await Promise.all(sims.map((s) => s.close()));
    await t?.drop();
  });

  const scrape = async () => {
    const res = await call(t.app, 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    return parseMetrics(await res.text());
  };
  const health = async () => {
    const res = await call(t.app, 'GET', '/healthz');
    return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string>; problems: string[] } };
  };

  async function collect(scenario: Parameters<typeof becScenario>[0], name: string, mspId?: string) {
    const sim = await startM365Simulator({
      tls: simulatorTls(),
      clock: { start: '2024-05-08T06:00:00Z', frozen: true },
      apps: [collectorApp()],
      tenants: [becScenario(scenario)],
    });
    sims.push(sim);
    const row = await insertSimTenant(t.database.db, CONTOSO.tenantId, { ...(mspId ? { mspId } : {}), name });
    const config = simConfig(sim.url);
    const deps: CollectorDeps = {
      db: t.database.db,
      config,
      tokens: createTokenProvider(config, secrets),
      log: silent,
      now: () => new Date(sim.state.now()),
      timeoutMs: 5_000,
    };
    return { row, results: await collectTenant(deps, row.id) };
  }

  test('healthy before anything happened: 200, every part ok, nothing wrong', async () => {
    expect(await health()).toEqual({
      status: 200,
      body: { status: 'ok', checks: { database: 'ok', queue: 'not running', collectors: 'ok', deliveries: 'ok' }, problems: [] },
    });
  });

  test('a collection from the simulator: lag per tenant and source, from its checkpoints', async () => {
    const { row, results } = await collect({ consents: [collectorConsent(COLLECTOR_APP_ID)], users: 5 }, 'Contoso', owner.mspId);
    collected = row;
    expect(results.every((r) => r.status !== 'failed')).toBe(true);
    const before = Date.now();
    const samples = await scrape();
    const checkpoints = await t.database.db.select().from(collectorCheckpoint).where(eq(collectorCheckpoint.tenantId, row.id));
    expect(checkpoints.length).toBeGreaterThan(3);
    for (const c of checkpoints) {
      const labels = { tenant: row.id, tenant_name: 'Contoso', source: c.source };
      const [success] = find(samples, 'tenantwatch_collector_last_success_age_seconds', labels);
      expect(success!.value).toBeGreaterThanOrEqual(0);
      expect(success!.value).toBeLessThanOrEqual((Date.now() - c.lastSuccessAt!.getTime()) / 1000 + 1);
      expect(find(samples, 'tenantwatch_collector_consecutive_failures', labels)[0]!.value).toBe(0);
      if (c.windowEnd) {
        // The simulator's clock stands in May 2024: its newest collected window is that old.
        const [lag] = find(samples, 'tenantwatch_collector_data_lag_seconds', labels);
        expect(Math.abs(lag!.value - (before - c.windowEnd.getTime()) / 1000)).toBeLessThan(60);
        expect(lag!.value).toBeGreaterThan(86_400 * 365);
      }
    }
    expect(find(samples, 'tenantwatch_collector_data_lag_seconds', { tenant: row.id }).length).toBeGreaterThan(0);
  }, 120_000);

  test('a collection refused by Microsoft counts failures, and /healthz says collection is failing (200, degraded)', async () => {
    const { row, results } = await collect({ consents: [], users: 5 }, 'Fabrikam');
    expect(results.every((r) => r.status === 'failed')).toBe(true);
    const samples = await scrape();
    const failures = find(samples, 'tenantwatch_collector_consecutive_failures', { tenant: row.id });
    expect(failures.length).toBe(results.length);
    expect(failures.every((s) => s.value === 1)).toBe(true);
    expect(find(samples, 'tenantwatch_collector_consecutive_failures', { tenant: collected.id }).every((s) => s.value === 0)).toBe(true);

    const h = await health();
    expect(h.status).toBe(200);
    expect(h.body.status).toBe('degraded');
    expect(h.body.checks).toMatchObject({ database: 'ok', collectors: 'degraded', deliveries: 'ok' });
    expect(h.body.problems).toEqual(['collection is failing for 1 tenant (1 or more failures in a row; the tenants page says why)']);
    expect(JSON.stringify(h.body)).not.toContain('Fabrikam');
  }, 120_000);

  test('mail through the SMTP sink counts as sent; through an SMTP server that is not there, as retrying, and /healthz names SMTP', async () => {
    const [tr] = await t.database.db
      .insert(trigger)
      .values({ mspId: owner.mspId, name: 'Wrong passwords', condition: "Event.OperationResult = 'PasswordInvalid'" })
      .returning();
    await t.database.db.insert(triggerAction).values({
      triggerId: tr!.id,
      mspId: owner.mspId,
      kind: 'email',
      config: { to: ['soc@northwind.example'], subject: 'Wrong password: {Event.UserName}', body: 'x' },
    });
    const signIn = (userName: string) =>
      t.database.db.transaction((tx) =>
        recordProductEvent(tx, {
          mspId: owner.mspId,
          eventType: 'LoginAttempt',
          operationResult: 'PasswordInvalid',
          userId: null,
          userName,
          userSource: 'Local',
          networkAddress: '203.0.113.7',
        }),
      );
    const smtpEnv = (port: number, host = '127.0.0.1') => ({
      TW_SECRET_KEY: TEST_SECRET_KEY,
      TW_LOG_LEVEL: 'silent',
      TW_DEMO: 'off',
      TW_SMTP_HOST: host,
      TW_SMTP_PORT: String(port),
      TW_SMTP_SECURITY: 'none',
    });

    const good = await startNotify({ database: t.database, config: loadConfig(smtpEnv(sink.port, sink.host)), log: silent, secrets });
    try {
      await signIn('a@northwind.example');
      await sink.waitFor((m) => m.subject === 'Wrong password: a@northwind.example');
      await good.sender.idle();
    } finally {
      await good.stop();
    }
    const sent = await t.database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(delivery)
      .where(and(eq(delivery.kind, 'email'), eq(delivery.status, 'delivered'), eq(delivery.isTest, false)));
    expect(sent[0]!.n).toBeGreaterThanOrEqual(1);
    let samples = await scrape();
    expect(find(samples, 'tenantwatch_deliveries', { channel: 'email', result: 'sent' })[0]!.value).toBe(sent[0]!.n);
    expect(find(samples, 'tenantwatch_deliveries', { channel: 'email', result: 'retrying' })).toEqual([]);

    // Nothing listens on this port: the attempt fails and the row waits for its retry.
    const bad = await startNotify({ database: t.database, config: loadConfig(smtpEnv(await freePort())), log: silent, secrets });
    try {
      await signIn('b@northwind.example');
      await bad.sender.idle();
    } finally {
      await bad.stop();
    }
    const [mine] = await t.database.db
      .select()
      .from(delivery)
      .where(and(eq(delivery.triggerId, tr!.id), eq(delivery.status, 'failed')));
    expect(mine).toBeDefined();
    // The default triggers may have mailed the owners about the same sign-ins: every failed row counts.
    const [retrying] = await t.database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(delivery)
      .where(and(eq(delivery.kind, 'email'), eq(delivery.status, 'failed')));
    samples = await scrape();
    expect(find(samples, 'tenantwatch_deliveries', { channel: 'email', result: 'retrying' })[0]!.value).toBe(retrying!.n);
    const h = await health();
    expect(h.status).toBe(200);
    expect(h.body.checks.deliveries).toBe('degraded');
    expect(h.body.problems).toContain(
      `email delivery (SMTP) is failing: ${retrying!.n} ${retrying!.n === 1 ? 'delivery waits' : 'deliveries wait'} for a retry`,
    );
  }, 120_000);

  test('a queue nobody works: its depth and the age of its oldest job, and /healthz calls it stuck past the threshold', async () => {
    boss = await startQueue(t.database, silent, { schedule: false });
    await boss.createQueue('ops.unworked');
    await boss.send('ops.unworked', { tenantId: collected.id });
    await boss.send('ops.unworked', {});
    let samples = await scrape();
    expect(find(samples, 'tenantwatch_queue_waiting_jobs', { queue: 'ops.unworked' })[0]!.value).toBe(2);
    // Wait (for the condition, not a fixed time) until the oldest job has waited past the 1 s threshold.
    let h = await health();
    for (let i = 0; i < 100 && !h.body.problems.some((p) => p.startsWith('queue ops.unworked is stuck')); i++) {
      await new Promise((r) => setTimeout(r, 100));
      h = await health();
    }
    expect(h.status).toBe(200);
    expect(h.body.status).toBe('degraded');
    expect(h.body.checks.queue).toBe('degraded');
    expect(h.body.problems.find((p) => p.startsWith('queue ops.unworked'))).toMatch(
      /^queue ops\.unworked is stuck: its oldest due job has waited \d+ seconds \(over 1 seconds\), 2 waiting$/,
    );
    samples = await scrape();
    expect(find(samples, 'tenantwatch_queue_oldest_job_age_seconds', { queue: 'ops.unworked' })[0]!.value).toBeGreaterThanOrEqual(1);
  }, 120_000);
});

describe('/healthz without a database', () => {
  test('a database that does not answer: 503, failing, in plain words', async () => {
    const t = await createTestApp();
    // A second handle on the same database, closed: every query through it fails as a lost server does.
    const closed = await openDatabase(t.url ? { databaseUrl: t.url, poolSize: 1 } : { dataDir: 'memory://' });
    await closed.close();
    try {
      const app = createNodeApp({ config: t.config, database: closed, secrets, log: silent, metrics: new Registry() });
      const res = await call(app, 'GET', '/healthz');
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        status: 'failing',
        checks: { database: 'failing', queue: 'not running', collectors: 'not checked', deliveries: 'not checked' },
        problems: ['the database does not answer'],
      });
    } finally {
      await t.drop();
    }
  }, 120_000);
});

describe('docs/grafana-dashboard.json', () => {
  test('queries only metrics the product serves', async () => {
    const t = await createTestApp({ TW_METRICS_TOKEN: TOKEN });
    try {
      const text = await (await call(t.app, 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).text();
      const served = new Set([...text.matchAll(/^# HELP (\w+)/gm)].map((m) => m[1]!));
      const dashboard = readFileSync(new URL('../docs/grafana-dashboard.json', import.meta.url), 'utf8');
      const used = new Set([...dashboard.matchAll(/tenantwatch_\w+/g)].map((m) => m[0].replace(/_bucket$/, '')));
      expect(used.size).toBeGreaterThan(10);
      // Process metrics come from prom-client's default collectors, which the running server registers.
      for (const name of used) if (!name.startsWith('tenantwatch_process_')) expect(served, name).toContain(name);
    } finally {
      await t.drop();
    }
  }, 120_000);
});

describe('the operations reader', () => {
  test('reads each family at most once per interval, however often it is asked', async () => {
    const t = await createTestApp();
    try {
      const reader = createOperationsReader(t.database, { ttlMs: 60_000 });
      const first = reader.deliveries();
      expect(reader.deliveries()).toBe(first);
      expect(await first).toEqual([]);
      const fresh = createOperationsReader(t.database, { ttlMs: 0 });
      expect(fresh.deliveries()).not.toBe(fresh.deliveries());
    } finally {
      await t.drop();
    }
  }, 120_000);
});

describe('request and tenant ids in the logs', () => {
  test('a well-formed X-Request-Id is kept, echoed and logged with the MSP and tenant; a malformed one is replaced', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({ logLevel: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const t = await createTestApp({}, { log });
    try {
      const owner = await seedMsp(t.database, 'owner');
      const row = await insertSimTenant(t.database.db, CONTOSO.tenantId, { mspId: owner.mspId });
      const res = await call(t.app, 'GET', `/api/v1/tenants/${row.id}`, { token: owner.token, headers: { 'x-request-id': 'trace-4711_ab=' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('trace-4711_ab=');
      expect(lines.find((l) => l.requestId === 'trace-4711_ab=')).toMatchObject({
        msg: 'request',
        route: '/api/v1/tenants/:id',
        mspId: owner.mspId,
        tenantId: row.id,
        status: 200,
      });

      const events = await call(t.app, 'GET', `/api/v1/events?tenant=${row.id}`, { token: owner.token, headers: { 'x-request-id': 'bad id; drop' } });
      const generated = events.headers.get('x-request-id')!;
      expect(generated).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(lines.find((l) => l.requestId === generated)).toMatchObject({ route: '/api/v1/events', mspId: owner.mspId, tenantId: row.id });
      expect(lines.some((l) => JSON.stringify(l).includes('bad id'))).toBe(false);

      // Unauthenticated, no tenant: the line has the request id and nothing it cannot know.
      await call(t.app, 'GET', '/healthz', { headers: { 'x-request-id': 'x'.repeat(65) } });
      const health = lines.findLast((l) => l.route === '/healthz')!;
      expect(health.requestId).not.toBe('x'.repeat(65));
      expect(health).not.toHaveProperty('mspId');
      expect(health).not.toHaveProperty('tenantId');
    } finally {
      await t.drop();
    }
  }, 120_000);

  test("a job's log lines name the job and the tenant its data names", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({ logLevel: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const t = await createTestApp();
    const boss = await startQueue(t.database, silent, { schedule: false });
    try {
      const tenantId = '0b6f4c1e-2d3a-4e5f-8a9b-1c2d3e4f5a6b';
      const jobs = { 'ops.logged': { run: async (_data: unknown, deps: { log: typeof log }) => void deps.log.info('inside the job') } };
      await startWorkers(boss, jobs, { database: t.database, log, config: t.config }, { concurrency: 1, pollingIntervalSeconds: 0.5 });
      await boss.send('ops.logged', { tenantId });
      await boss.send('ops.logged', { other: 1 });
      await vi.waitFor(() => expect(lines.filter((l) => l.msg === 'inside the job')).toHaveLength(2), { timeout: 60_000, interval: 100 });
      const inside = lines.filter((l) => l.msg === 'inside the job');
      expect(inside.find((l) => l.tenantId === tenantId)).toMatchObject({ job: 'ops.logged', jobId: expect.any(String) });
      expect(inside.filter((l) => !('tenantId' in l))).toHaveLength(1);
    } finally {
      await stopQueue(boss, 1);
      await t.drop();
    }
  }, 120_000);
});
