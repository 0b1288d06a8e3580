import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { M365Simulator } from './index.ts';
import type { FaultRule, TenantFaults } from './faults.ts';
import type { AuditRecord } from './records.ts';
import { CONTOSO_ID, T0, contosoScenario, fabrikamScenario, getJson, secretToken, startTestSim } from '../../../test/helpers/m365-sim.ts';

let sim: M365Simulator;
let graphToken: string;
let manageToken: string;
const signIns = (): string => `${sim.url}/v1.0/auditLogs/signIns`;
const feed = (path: string): string => `${sim.url}/api/v1.0/${CONTOSO_ID}/activity/feed/${path}`;

async function setFaults(faults: Partial<TenantFaults>): Promise<void> {
  const response = await fetch(`${sim.url}/_sim/tenants/${CONTOSO_ID}/faults`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(faults),
  });
  expect(response.status).toBe(200);
}

function record(i: number, minutesBefore: number): AuditRecord {
  return {
    Id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    RecordType: 1,
    CreationTime: new Date(Date.parse(T0) - minutesBefore * 60_000).toISOString().slice(0, 19),
    Operation: 'Set-Mailbox',
    OrganizationId: CONTOSO_ID,
    UserType: 2,
    UserKey: '10032000456EB2E1',
    Workload: 'Exchange',
    UserId: 'admin@contoso.com',
  };
}

async function startWith(faults: Partial<TenantFaults> = {}, seed?: string): Promise<void> {
  sim = await startTestSim({ tenants: [contosoScenario({ faults, ...(seed ? { seed } : {}) }), fabrikamScenario()] });
  graphToken = await secretToken(sim, CONTOSO_ID, 'graph');
  manageToken = await secretToken(sim, CONTOSO_ID, 'manage');
  await getJson(feed('subscriptions/start?contentType=Audit.Exchange'), manageToken, { method: 'POST' });
}

beforeEach(() => startWith());
afterEach(() => sim.close());

describe('request faults', () => {
  it('Graph throttling: 429 with a fractional Retry-After and the documented body, then recovery', async () => {
    await setFaults({ rules: [{ kind: 'throttle', apis: ['graph'], retryAfterSeconds: 2.128, remaining: 1 }] });
    const throttled = await getJson(signIns(), graphToken);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('2.128');
    expect(throttled.body).toMatchObject({
      error: { code: 'TooManyRequests', message: 'Please retry again later.', innerError: { code: '429', status: '429', message: 'Please retry after' } },
    });
    expect((await getJson(signIns(), graphToken)).status).toBe(200);
    const log = sim.state.requestLog.filter((r) => r.api === 'graph').map((r) => [r.status, r.fault ?? null]);
    expect(log).toEqual([
      [429, 'throttle'],
      [200, null],
    ]);
  });

  it.each([429, 403] as const)('Management API throttling: AF429 as HTTP %i', async (status) => {
    await setFaults({ rules: [{ kind: 'throttle', apis: ['management'], managementStatus: status }] });
    const result = await getJson(`${feed('subscriptions/content?contentType=Audit.Exchange')}&PublisherIdentifier=${CONTOSO_ID}`, manageToken);
    expect(result.status).toBe(status);
    expect(result.body).toEqual({ error: { code: 'AF429', message: `Too many requests. Method=ListContent, PublisherId=${CONTOSO_ID}` } });
    expect((await getJson(signIns(), graphToken)).status).toBe(200);
  });

  it('5xx in each API shape', async () => {
    await setFaults({
      rules: [
        { kind: 'server-error', apis: ['graph'], status: 503, retryAfterSeconds: 1 },
        { kind: 'server-error', apis: ['management'] },
      ],
    });
    const g = await getJson(signIns(), graphToken);
    expect(g.status).toBe(503);
    expect(g.headers.get('retry-after')).toBe('1');
    expect((g.body as { error: { code: string } }).error.code).toBe('serviceNotAvailable');
    const m = await getJson(feed('subscriptions/list'), manageToken);
    expect(m).toMatchObject({ status: 500, body: { error: { code: 'AF50000', message: 'An internal error occurred. Retry the request.' } } });
  });

  it('slow responses: the delay is applied before answering', async () => {
    await setFaults({ rules: [{ kind: 'delay', delayMs: 250, pathIncludes: 'auditLogs/signIns' }] });
    const started = performance.now();
    expect((await getJson(signIns(), graphToken)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('truncated JSON: status 200, body cut short', async () => {
    await fetch(`${sim.url}/_sim/tenants/${CONTOSO_ID}/audit`, {
      method: 'POST',
      body: JSON.stringify({ records: [record(1, 30)] }),
      headers: { 'Content-Type': 'application/json' },
    });
    await setFaults({ rules: [{ kind: 'truncate', apis: ['management'], pathIncludes: '/subscriptions/content' }] });
    const result = await getJson(feed('subscriptions/content?contentType=Audit.Exchange'), manageToken);
    expect(result.status).toBe(200);
    expect(result.text.length).toBeGreaterThan(10);
    expect(() => JSON.parse(result.text) as unknown).toThrow();
  });

  it('expired content: a fresh blob answers AF20051', async () => {
    await fetch(`${sim.url}/_sim/tenants/${CONTOSO_ID}/audit`, {
      method: 'POST',
      body: JSON.stringify({ records: [record(1, 30)] }),
      headers: { 'Content-Type': 'application/json' },
    });
    const [item] = (await getJson(feed('subscriptions/content?contentType=Audit.Exchange'), manageToken)).body as { contentUri: string }[];
    await setFaults({ rules: [{ kind: 'expire-content', remaining: 1 }] });
    expect((await getJson(item?.contentUri ?? '', manageToken)).body).toMatchObject({ error: { code: 'AF20051' } });
    expect((await getJson(item?.contentUri ?? '', manageToken)).status).toBe(200);
  });

  it('a fault rate draws from the seeded PRNG: same seed, same failures', async () => {
    const rule: FaultRule = { kind: 'server-error', apis: ['graph'], rate: 0.5 };
    const pattern = async (seed: string): Promise<number[]> => {
      await sim.close();
      await startWith({ rules: [rule] }, seed);
      const statuses: number[] = [];
      for (let i = 0; i < 24; i++) statuses.push((await getJson(signIns(), graphToken)).status);
      return statuses;
    };
    const a = await pattern('seed-a');
    expect(await pattern('seed-a')).toEqual(a);
    expect(a.filter((s) => s === 503).length).toBeGreaterThan(4);
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(4);
    expect(await pattern('seed-b')).not.toEqual(a);
  });
});

describe('delivery faults', () => {
  async function ingest(delivery: TenantFaults['delivery'], records: AuditRecord[]): Promise<{ contentCreated: string; records: AuditRecord[] }[]> {
    const response = await fetch(`${sim.url}/_sim/tenants/${CONTOSO_ID}/audit`, {
      method: 'POST',
      body: JSON.stringify({ records, delivery }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(response.status).toBe(201);
    await fetch(`${sim.url}/_sim/clock`, { method: 'POST', body: JSON.stringify({ advance: '7h' }), headers: { 'Content-Type': 'application/json' } });
    manageToken = await secretToken(sim, CONTOSO_ID, 'manage');
    const items = (await getJson(feed('subscriptions/content?contentType=Audit.Exchange'), manageToken)).body as {
      contentUri: string;
      contentCreated: string;
    }[];
    return Promise.all(
      items.map(async (item) => ({ contentCreated: item.contentCreated, records: (await getJson(item.contentUri, manageToken)).body as AuditRecord[] })),
    );
  }

  it('puts the same record in two blobs', async () => {
    const blobs = await ingest({ duplicateRate: 1 }, [record(1, 60), record(2, 59)]);
    const ids = blobs.flatMap((b) => b.records.map((r) => r.Id));
    expect(ids.sort()).toEqual([record(1, 0).Id, record(1, 0).Id, record(2, 0).Id, record(2, 0).Id]);
    expect(blobs.length).toBeGreaterThanOrEqual(2);
  });

  it('publishes records late: content created hours after CreationTime', async () => {
    const blobs = await ingest({ lateRate: 1, lateMinutes: [360, 360] }, [record(1, 60)]);
    const [blob] = blobs;
    const lateness = Date.parse(blob?.contentCreated ?? '') - Date.parse(`${blob?.records[0]?.CreationTime ?? ''}Z`);
    expect(lateness).toBe(6 * 3_600_000);
  });

  it('shuffles records inside a blob, reproducibly', async () => {
    const records = Array.from({ length: 20 }, (_, i) => record(i, 30 - i * 0.05));
    const [first] = await ingest({ outOfOrder: true }, records);
    const times = first?.records.map((r) => r.Id) ?? [];
    expect(times).toHaveLength(20);
    expect(times).not.toEqual(records.map((r) => r.Id));
    await sim.close();
    await startWith();
    const [again] = await ingest({ outOfOrder: true }, records);
    expect(again?.records.map((r) => r.Id)).toEqual(times);
  });
});
