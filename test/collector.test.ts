import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { activity, collectorCheckpoint, tenant } from '../db/schema/index.ts';
import { collectTenant, COLLECTED_SOURCES, type CollectorDeps } from '../services/collector/collect-tenant.ts';
import { createTokenProvider } from '../services/microsoft/token-provider.ts';
import { createLogger } from '../services/log.ts';
import { startM365Simulator, type M365Simulator, type SimTenant, type TenantScenario } from '../services/sim/m365/index.ts';
import { becScenario, collectorConsent, CONTOSO } from '../services/sim/m365/scenarios/index.ts';
import { COLLECTOR_APP_ID, collectorApp } from './helpers/m365-sim.ts';
import { simulatorTls } from '../services/sim/m365/tls.ts';
import { secrets } from './helpers/app.ts';
import { createTestDatabase } from './helpers/database.ts';
import { insertSimTenant, simConfig } from './helpers/sim-tenant.ts';

/**
 * The collectors against the Microsoft 365 simulator over real HTTPS, with the real msal-node and
 * Graph SDK: only base URLs point at the simulator.
 */
let handle: Awaited<ReturnType<typeof createTestDatabase>>;
const sims: M365Simulator[] = [];
const log = createLogger({ logLevel: 'silent' });

beforeAll(async () => {
  handle = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
  await handle.drop();
});

/** A simulator playing `scenario`, its clock two days after the scenario's day, when all is published. */
async function simulator(scenario: TenantScenario, start = '2024-05-08T06:00:00Z') {
  const sim = await startM365Simulator({ tls: simulatorTls(), clock: { start, frozen: true }, apps: [collectorApp()], tenants: [scenario] });
  sims.push(sim);
  return sim;
}

async function addTenant(sim: M365Simulator, tenantGuid: string) {
  const row = await insertSimTenant(handle.database.db, tenantGuid);
  const config = simConfig(sim.url);
  const deps: CollectorDeps = {
    db: handle.database.db,
    config,
    tokens: createTokenProvider(config, secrets),
    log,
    now: () => new Date(sim.state.now()),
    timeoutMs: 5_000,
  };
  return { tenantId: row.id, deps };
}

/** Every record the simulator holds for a tenant, by source, as the collector should store them. */
function simulatorRecords(t: SimTenant, now: number): Map<string, Set<string>> {
  const bySource = new Map<string, Set<string>>();
  const add = (source: string, id: string) => (bySource.get(source) ?? bySource.set(source, new Set()).get(source)!).add(id);
  for (const blob of t.blobs) if (blob.contentCreated <= now) for (const r of blob.records) add(blob.contentType, r.Id);
  for (const s of t.signIns) if (s.availableAt <= now) add('graph.signIns', s.value.id);
  for (const a of t.directoryAudits) if (a.availableAt <= now) add('graph.directoryAudits', a.value.id);
  for (const a of t.alerts) if (a.availableAt <= now) add('graph.alerts_v2', a.value.id);
  for (const r of t.riskDetections) if (r.availableAt <= now) add('graph.riskDetections', r.value.id);
  for (const r of t.riskyUsers) if (r.availableAt <= now) add('graph.riskyUsers', `${r.value.id}@${r.value.riskLastUpdatedDateTime}`);
  return bySource;
}

async function storedRecords(tenantId: string): Promise<Map<string, string[]>> {
  const rows = await handle.database.db.select({ source: activity.source, recordId: activity.recordId }).from(activity).where(eq(activity.tenantId, tenantId));
  const bySource = new Map<string, string[]>();
  for (const r of rows) (bySource.get(r.source) ?? bySource.set(r.source, []).get(r.source)!).push(r.recordId);
  return bySource;
}

function expectExactly(stored: Map<string, string[]>, expected: Map<string, Set<string>>) {
  for (const [source, ids] of expected) {
    const got = stored.get(source) ?? [];
    expect(new Set(got).size, `${source}: duplicates`).toBe(got.length);
    expect(new Set(got), `${source}: lost or extra records`).toEqual(ids);
  }
  for (const source of stored.keys()) expect(expected.has(source), `${source}: records the simulator never had`).toBe(true);
}

describe('collectTenant against the simulator playing bec', () => {
  test('collects every source once, exactly the simulator records; a second pass adds nothing', async () => {
    const sim = await simulator(becScenario({ consents: [collectorConsent(COLLECTOR_APP_ID)] }));
    const { tenantId, deps } = await addTenant(sim, CONTOSO.tenantId);
    const results = await collectTenant(deps, tenantId);
    expect(results.map((r) => [r.source, r.status])).toEqual(COLLECTED_SOURCES.map((s) => [s, 'collected']));
    const expected = simulatorRecords(sim.state.findTenant(CONTOSO.tenantId)!, sim.state.now());
    expect([...expected.values()].reduce((n, s) => n + s.size, 0)).toBeGreaterThan(500);
    expectExactly(await storedRecords(tenantId), expected);

    const again = await collectTenant(deps, tenantId, { force: true });
    expect(again.every((r) => r.status === 'collected' && r.inserted === 0)).toBe(true);
    const [row] = await handle.database.db.select().from(tenant).where(eq(tenant.id, tenantId));
    expect(row!.status).toBe('active');

    // Content published earlier in the current second (the pass a webhook notification starts
    // runs within it) is listed now: endTime is exclusive and whole seconds, so it is rounded up.
    sim.state.clock.set(Date.parse('2024-05-08T06:00:01.600Z'));
    const record = { Id: crypto.randomUUID(), CreationTime: '2024-05-08T06:00:01', Operation: 'Set-Mailbox', RecordType: 1, Workload: 'Exchange' };
    const added = await fetch(`${sim.url}/_sim/tenants/${CONTOSO.tenantId}/audit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        records: [
          {
            ...record,
            UserId: 'admin@contoso.com',
            ResultStatus: 'True',
            OrganizationId: CONTOSO.tenantId,
            UserType: 2,
            UserKey: '1003',
            Version: 1,
            ObjectId: 'adele',
          },
        ],
      }),
    });
    expect(added.status).toBe(201);
    const [exchange] = await collectTenant(deps, tenantId, { sources: ['Audit.Exchange'] });
    expect(exchange).toMatchObject({ source: 'Audit.Exchange', status: 'collected', inserted: 1 });
  }, 120_000);
});

/** 20% of calls fail one way or another; records are duplicated, late and out of order. */
const FAULTY = {
  rules: [
    { kind: 'throttle', rate: 0.06, retryAfterSeconds: 0.2, managementStatus: 'either' },
    { kind: 'server-error', rate: 0.06 },
    { kind: 'truncate', rate: 0.05 },
    { kind: 'delay', rate: 0.03, delayMs: 1_300 },
  ],
  delivery: { duplicateRate: 0.2, lateRate: 0.2, lateMinutes: [60, 600], outOfOrder: true },
} as const;

describe('nothing lost, nothing duplicated, under faults', () => {
  test('the bec day with faults on 20% of calls, collected in passes as time moves on', async () => {
    const scenario = {
      ...becScenario({ consents: [collectorConsent(COLLECTOR_APP_ID)], users: 120 }),
      faults: structuredClone(FAULTY) as unknown as TenantScenario['faults'],
      seed: 'faults',
    };
    const sim = await simulator(scenario, '2024-05-06T12:00:00Z');
    const { tenantId, deps } = await addTenant(sim, CONTOSO.tenantId);
    deps.timeoutMs = 1_000;
    const simTenant = sim.state.findTenant(CONTOSO.tenantId)!;
    let failures = 0;
    // Passes through the day and the next, as the scheduler would run them (every few hours here).
    for (const at of ['2024-05-06T16:00:00Z', '2024-05-06T20:00:00Z', '2024-05-07T02:00:00Z', '2024-05-07T10:00:00Z', '2024-05-08T06:00:00Z']) {
      await fetch(`${sim.url}/_sim/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ set: at }) });
      expect(new Date(sim.state.now()).toISOString()).toBe(new Date(at).toISOString());
      const results = await collectTenant(deps, tenantId, { force: true });
      failures += results.filter((r) => r.status === 'failed').length;
    }
    // Sources that failed in the last pass are retried, as their backoff would.
    for (let pass = 0; pass < 8; pass++) {
      const results = await collectTenant(deps, tenantId, { force: true });
      if (results.every((r) => r.status === 'collected')) break;
      failures += results.filter((r) => r.status === 'failed').length;
    }
    const log = sim.state.requestLog;
    expect(log.filter((e) => e.fault).length / log.length).toBeGreaterThan(0.1);
    expectExactly(await storedRecords(tenantId), simulatorRecords(simTenant, sim.state.now()));
    const checkpoints = await handle.database.db.select().from(collectorCheckpoint).where(eq(collectorCheckpoint.tenantId, tenantId));
    expect(checkpoints.every((c) => c.lastError === null && c.consecutiveFailures === 0)).toBe(true);
    console.log(`faults: ${log.filter((e) => e.fault).length} of ${log.length} calls faulted; ${failures} source passes failed and were retried`);
  }, 240_000);
});

describe('tenants are independent', () => {
  test('a throttled tenant fails fast with its Retry-After and does not delay another tenant', async () => {
    const throttled = await simulator({
      ...becScenario({ consents: [collectorConsent(COLLECTOR_APP_ID)], users: 20 }),
      faults: { rules: [{ kind: 'throttle', rate: 1, retryAfterSeconds: 120, managementStatus: 429 }], delivery: {} },
    });
    const healthy = await simulator(becScenario({ consents: [collectorConsent(COLLECTOR_APP_ID)], users: 20 }));
    const a = await addTenant(throttled, CONTOSO.tenantId);
    const b = await addTenant(healthy, CONTOSO.tenantId);

    const started = Date.now();
    const [resultsA, resultsB] = await Promise.all([collectTenant(a.deps, a.tenantId), collectTenant(b.deps, b.tenantId)]);
    const elapsed = Date.now() - started;
    expect(resultsB.every((r) => r.status === 'collected')).toBe(true);
    // Every source of the throttled tenant gives up at once and waits out Retry-After on its schedule.
    expect(resultsA.map((r) => r.status)).toEqual(COLLECTED_SOURCES.map(() => 'failed'));
    // Graph says how long (Retry-After: 120); the Management API's AF429 does not, so a minute.
    for (const r of resultsA) if (r.status === 'failed') expect(r.retryInSeconds).toBeGreaterThanOrEqual(r.source.startsWith('graph.') ? 120 : 60);
    expect(elapsed).toBeLessThan(30_000);

    // Until then the throttled tenant's sources are not due; the status says why in plain words.
    expect((await collectTenant(a.deps, a.tenantId)).every((r) => r.status === 'not due')).toBe(true);
    const checkpoints = await handle.database.db.select().from(collectorCheckpoint).where(eq(collectorCheckpoint.tenantId, a.tenantId));
    expect(checkpoints.map((c) => c.lastError)).toEqual(COLLECTED_SOURCES.map(() => expect.stringMatching(/throttling/)));
  }, 60_000);

  test('missing permissions and revoked consent are reported in plain words', async () => {
    const noRoles = await simulator({ ...becScenario({ consents: [{ appId: COLLECTOR_APP_ID, roles: {} }], users: 5 }) });
    const t = await addTenant(noRoles, CONTOSO.tenantId);
    const results = await collectTenant(t.deps, t.tenantId);
    const bySource = Object.fromEntries(results.map((r) => [r.source, r.status === 'failed' ? r.error : r.status]));
    expect(bySource['Audit.Exchange']).toMatch(/ActivityFeed.Read/);
    expect(bySource['graph.signIns']).toMatch(/AuditLog.Read.All/);

    const revoked = await simulator({ ...becScenario({ consents: [], users: 5 }) });
    const r = await addTenant(revoked, CONTOSO.tenantId);
    const revokedResults = await collectTenant(r.deps, r.tenantId);
    for (const result of revokedResults)
      expect(result).toMatchObject({ status: 'failed', error: expect.stringMatching(/admin consent was never given or was revoked|AADSTS/) });
  }, 60_000);
});
