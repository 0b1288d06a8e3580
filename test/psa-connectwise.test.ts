import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startConnectWiseSimulator, defaultCwState, type ConnectWiseSimulator } from '../services/sim/connectwise/index.ts';
import { connectConnectWise, type ConnectWiseSettings } from '../services/psa/connectwise/index.ts';
import { PsaError } from '../services/psa/types.ts';

let sim: ConnectWiseSimulator;
const CLIENT_ID = '3f8a2e1c-0b7d-4a55-9c1e-5d2b6f7a8c90';

beforeAll(async () => {
  sim = await startConnectWiseSimulator({ state: defaultCwState({ clientIds: [CLIENT_ID] }) });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.state.faults.length = 0;
  sim.state.latencyMs = 0;
});

const settings = (over: Partial<ConnectWiseSettings> = {}): ConnectWiseSettings => ({
  site: sim.url,
  companyId: 'tenantwatch_demo',
  publicKey: 'demoPublicKey',
  clientId: CLIENT_ID,
  apiVersion: 'v4_6_release',
  ...over,
});
const client = (over: Partial<ConnectWiseSettings> = {}, privateKey = 'demoPrivateKey') =>
  connectConnectWise(settings(over), { privateKey }, { maxRetryWaitMs: 50 });

async function control(path: string, body: unknown) {
  const res = await fetch(`${sim.url}/_sim/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.ok).toBe(true);
}

describe('ConnectWise test connection', () => {
  it('connects with good keys and names the company', async () => {
    const result = await client().testConnection();
    expect(result).toMatchObject({ ok: true });
    expect(result.message).toContain('Tenantwatch Demo MSP');
  });

  it.each([
    ['wrong keys', {}, 'wrongPrivate', 'wrong-keys', /public and private key/],
    ['wrong company id', { companyId: 'nosuchco' }, 'demoPrivateKey', 'wrong-company', /company id "nosuchco" is not known/],
    ['unknown site', { site: 'cw.nosuch.invalid' }, 'demoPrivateKey', 'unknown-site', /Could not reach cw\.nosuch\.invalid/],
    ['unregistered clientId', { clientId: 'not-registered' }, 'demoPrivateKey', 'wrong-keys', /clientId/],
  ] as const)('%s is said in plain words', async (_name, over, key, reason, message) => {
    const result = await client(over, key).testConnection();
    expect(result).toMatchObject({ ok: false, reason });
    expect(result.message).toMatch(message);
  });

  it('a member without service permission is told which area it lacks', async () => {
    await control('members', { publicKey: 'limitedPub', privateKey: 'limitedPriv', identifier: 'limited', permissions: ['companies', 'system'] });
    const result = await client({ publicKey: 'limitedPub' }, 'limitedPriv').testConnection();
    expect(result).toMatchObject({ ok: false, reason: 'no-permission' });
    expect(result.message).toMatch(/read service boards.*service/);
  });
});

describe('ConnectWise lists', () => {
  it('reads companies, boards, teams, priorities, statuses, severity and impact', async () => {
    const c = client();
    expect((await c.list('companies')).map((x) => x.name)).toEqual(['Contoso Ltd', 'Fabrikam, Inc.', 'Northwind Traders']);
    expect((await c.list('companies'))[0]!.detail).toContain('www.contoso.com');
    expect((await c.list('boards')).map((b) => b.name)).toEqual(['Service Desk', 'Security Operations']);
    expect(await c.list('teams', { parent: '1' })).toEqual([
      { id: '25', name: 'Security', parent: '1' },
      { id: '26', name: 'Tier 1', parent: '1' },
    ]);
    const priorities = await c.list('priorities');
    expect(priorities.find((p) => p.isDefault)?.name).toBe('Priority 3 - Normal Response');
    const statuses = await c.list('statuses');
    expect(statuses.filter((s) => s.closed).map((s) => `${s.parent}:${s.name}`)).toEqual(['1:Resolved', '1:Closed', '1:Cancelled', '2:Closed']);
    expect((await c.list('severity')).map((s) => s.id)).toEqual(['Low', 'Medium', 'High']);
    expect((await c.list('impact')).find((s) => s.isDefault)?.id).toBe('Medium');
  });

  it('follows the Link header across pages', async () => {
    for (let i = 0; i < 1100; i++) sim.state.companies.push({ id: 10_000 + i, identifier: `Bulk${i}`, name: `Bulk company ${String(i).padStart(4, '0')}` });
    try {
      expect((await client().list('companies')).length).toBe(1103);
    } finally {
      sim.state.companies.splice(3);
    }
  });
});

describe('ConnectWise tickets', () => {
  it('creates a ticket with routing, cuts the summary to 100, finds it by its key, adds a note, attaches a file, reopens it', async () => {
    const c = client();
    const long = `[Tenantwatch] ${'Suspicious inbox rule forwarding to an external address '.repeat(4)}`;
    const ref = await c.createTicket({
      companyId: '250',
      summary: long,
      description: 'Who: alice@contoso.com\nView event: https://tw.example/events/1',
      routing: { boards: '1', teams: '25', priorities: '2', severity: 'High', impact: 'Low' },
      externalRef: 'tw:evt-1',
    });
    const stored = sim.state.tickets.find((t) => String(t.id) === ref.id)!;
    expect(stored.summary.length).toBe(100);
    expect(stored.summary.endsWith('…')).toBe(true);
    expect(stored).toMatchObject({
      companyId: 250,
      boardId: 1,
      teamId: 25,
      priorityId: 2,
      severity: 'High',
      impact: 'Low',
      statusId: 1,
      externalXRef: 'tw:evt-1',
    });
    expect(ref.url).toContain(`service_recid=${ref.id}`);
    // The initial description becomes the first discussion note, as in Manage.
    expect(sim.state.notes.find((n) => n.ticketId === stored.id)?.text).toContain('View event');

    expect(await c.findTicketByExternalRef('tw:evt-1')).toEqual(ref);
    expect(await c.findTicketByExternalRef('tw:"quoted" evt')).toBeUndefined();

    await c.addNote(ref.id, 'Another similar alert: bob@contoso.com');
    expect(sim.state.notes.filter((n) => n.ticketId === stored.id).map((n) => n.text)).toContain('Another similar alert: bob@contoso.com');

    await c.attachFile(ref.id, { fileName: 'activity-2.json', contentType: 'application/json', content: Buffer.from('{"a":1}') });
    const doc = sim.state.documents.find((d) => d.recordId === stored.id)!;
    expect(doc).toMatchObject({ recordType: 'Ticket', fileName: 'activity-2.json', privateFlag: true });
    expect(doc.content.toString()).toBe('{"a":1}');

    const closed = await c.setStatus(ref.id, '6');
    expect(closed).toMatchObject({ status: 'Closed', closed: true });
    const reopened = await c.setStatus(ref.id, '4');
    expect(reopened).toMatchObject({ status: 'Re-Opened', closed: false, number: ref.id });
    expect(await c.getTicket(ref.id)).toMatchObject({ statusId: '4', closed: false });
  });

  it('a technician closing the ticket in Manage is read back', async () => {
    const c = client();
    const ref = await c.createTicket({ companyId: '251', summary: 'read back', description: 'x', routing: { boards: '2' } });
    await control(`tickets/${ref.id}/status`, { name: 'Closed' });
    expect(await c.getTicket(ref.id)).toMatchObject({ status: 'Closed', closed: true });
  });

  it('a bad reference is rejected in the words ConnectWise uses', async () => {
    const err = await client()
      .createTicket({ companyId: '999', summary: 'x', description: 'y', routing: { boards: '1' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PsaError);
    expect((err as PsaError).reason).toBe('invalid');
    expect((err as PsaError).message).toMatch(/Company not found/);
  });

  it('retries a 429 after Retry-After and a 5xx on a read', async () => {
    await control('faults', { status: 429, times: 2, pathIncludes: '/service/tickets', retryAfterSeconds: 0 });
    const ref = await client().createTicket({ companyId: '250', summary: 'after throttling', description: 'x', routing: {} });
    expect(ref.id).toMatch(/^\d+$/);
    await control('faults', { status: 503, times: 1, method: 'GET' });
    expect((await client().getTicket(ref.id)).id).toBe(ref.id);
    const faults = sim.state.requests.filter((r) => r.fault);
    expect(faults.map((r) => r.fault)).toEqual(expect.arrayContaining([429, 429, 503]));
  });

  it('does not repeat a create that failed with a 5xx, and says it may be tried again', async () => {
    const before = sim.state.tickets.length;
    await control('faults', { status: 502, times: 1, method: 'POST', pathIncludes: '/service/tickets' });
    const err = await client()
      .createTicket({ companyId: '250', summary: 'outage', description: 'x', routing: {} })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'unavailable', status: 502, retryable: true });
    expect(sim.state.tickets.length).toBe(before);
  });

  it('gives up on a lasting 429 with a retryable error', async () => {
    await control('faults', { status: 429, times: 5, retryAfterSeconds: 0 });
    const err = await client()
      .list('priorities')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'throttled', retryable: true });
  });

  it('latency injection slows answers', async () => {
    await control('latency', { ms: 150 });
    const started = performance.now();
    await client().list('priorities');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });
});
