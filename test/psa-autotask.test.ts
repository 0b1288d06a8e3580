import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAutotaskSimulator, type AutotaskSimulator } from '../services/sim/autotask/index.ts';
import { connectAutotask } from '../services/psa/autotask/index.ts';
import { PsaError } from '../services/psa/types.ts';

let sim: AutotaskSimulator;
const USER = 'tenantwatch-api@demomsp.example';

beforeAll(async () => {
  sim = await startAutotaskSimulator();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.state.faults.length = 0;
});

const client = (userName = USER, secret = 'demoSecret', integrationCode = 'DEMOINTEGRATIONCODE') =>
  connectAutotask({ userName, discoveryUrl: sim.url }, { secret, integrationCode }, { maxRetryWaitMs: 50 });

async function control(path: string, body: unknown) {
  const res = await fetch(`${sim.url}/_sim/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.ok).toBe(true);
}

describe('Autotask zone discovery and test connection', () => {
  it('finds the zone from the API user alone, without credentials', async () => {
    const res = await fetch(`${sim.url}/ATServicesRest/V1.0/zoneInformation?user=${encodeURIComponent(USER)}`);
    expect(await res.json()).toEqual({ zoneName: 'America West 2', url: `${sim.url}/webservices15/ATServicesRest/`, webUrl: `${sim.url}/ww15/`, ci: 15 });
  });

  it('connects through the discovered zone', async () => {
    const result = await client().testConnection();
    expect(result).toEqual({ ok: true, message: `Connected to Autotask zone America West 2 as ${USER}: companies and ticket fields are readable.` });
    expect(sim.state.requests.some((r) => r.path.startsWith('/webservices15/atservicesrest/v1.0/companies/query'))).toBe(true);
  });

  it('a user in another zone is sent to that zone', async () => {
    await control('users', { userName: 'uk-api@demomsp.example', secret: 's', integrationCode: 'IC', zone: 'webservices6' });
    const ref = await client('uk-api@demomsp.example', 's', 'IC').createTicket({ companyId: '174', summary: 'uk', description: 'd', routing: {} });
    expect(ref.url).toContain('/ww6/');
    expect(sim.state.requests.some((r) => r.path === '/webservices6/atservicesrest/v1.0/tickets' && r.status === 200)).toBe(true);
  });

  it.each([
    [
      'unknown API user',
      'nobody@demomsp.example',
      'demoSecret',
      'DEMOINTEGRATIONCODE',
      'zone-not-found',
      /No Autotask zone knows the API user "nobody@demomsp\.example"/,
    ],
    ['wrong secret', USER, 'bad', 'DEMOINTEGRATIONCODE', 'wrong-keys', /check the secret and the integration code/],
    ['wrong integration code', USER, 'demoSecret', 'WRONG', 'wrong-keys', /integration code/],
  ] as const)('%s is said in plain words', async (_n, user, secret, code, reason, message) => {
    const result = await client(user, secret, code).testConnection();
    expect(result).toMatchObject({ ok: false, reason });
    expect(result.message).toMatch(message);
  });

  it('an unknown discovery host is an unknown site', async () => {
    const result = await connectAutotask({ userName: USER, discoveryUrl: 'http://at.nosuch.invalid' }, { secret: 'x', integrationCode: 'y' }).testConnection();
    expect(result).toMatchObject({ ok: false, reason: 'unknown-site' });
  });

  it('a user without ticket permission is told so', async () => {
    await control('users', { userName: 'readonly@demomsp.example', secret: 's', integrationCode: 'IC', zone: 'webservices15', permissions: ['companies'] });
    const result = await client('readonly@demomsp.example', 's', 'IC').testConnection();
    expect(result).toMatchObject({ ok: false, reason: 'no-permission' });
    expect(result.message).toMatch(/adequate permissions/);
  });
});

describe('Autotask lists', () => {
  it('reads companies (active only), queues, priorities, statuses, issue and sub-issue types, sources', async () => {
    const c = client();
    expect((await c.list('companies')).map((x) => x.name)).toEqual(['Contoso Ltd', 'Demo MSP (own company)', 'Fabrikam, Inc.']);
    expect((await c.list('queues')).map((q) => q.name)).toEqual(['Client Portal', 'Monitoring Alert', 'Security']);
    expect((await c.list('priorities')).find((p) => p.isDefault)?.name).toBe('Medium');
    expect((await c.list('statuses')).filter((s) => s.closed).map((s) => s.name)).toEqual(['Complete']);
    expect((await c.list('issueTypes')).map((s) => s.name)).toEqual(['Security', 'Email']);
    expect((await c.list('subIssueTypes', { parent: '10' })).map((s) => s.name)).toEqual(['Account compromise', 'Suspicious sign-in']);
    expect((await c.list('sources')).map((s) => s.name)).toContain('Monitoring Alert');
  });

  it('follows nextPageUrl across pages of 500', async () => {
    for (let i = 0; i < 1200; i++) sim.state.entities.Companies.push({ id: 20_000 + i, companyName: `Bulk ${String(i).padStart(4, '0')}`, isActive: true });
    try {
      expect((await client().list('companies')).length).toBe(1203);
    } finally {
      sim.state.entities.Companies.splice(4);
    }
  });
});

describe('Autotask tickets', () => {
  it('creates, finds by its key, notes, attaches in base64, completes and reopens', async () => {
    const c = client();
    const ref = await c.createTicket({
      companyId: '174',
      summary: `[Tenantwatch] ${'x'.repeat(400)}`,
      description: 'View event: https://tw.example/events/1',
      routing: { queues: '29683355', priorities: '1', issueTypes: '10', subIssueTypes: '101', sources: '8' },
      externalRef: 'tw:evt-at-1',
    });
    expect(ref.number).toMatch(/^T\d{8}\.\d{4}$/);
    const stored = sim.state.entities.Tickets.find((t) => String(t.id) === ref.id)!;
    expect(String(stored.title).length).toBe(255);
    expect(stored).toMatchObject({
      companyID: 174,
      queueID: 29683355,
      priority: 1,
      issueType: 10,
      subIssueType: 101,
      source: 8,
      status: 1,
      externalID: 'tw:evt-at-1',
    });
    expect(ref.url).toContain(`TicketID=${ref.id}`);

    expect(await c.findTicketByExternalRef('tw:evt-at-1')).toEqual(ref);
    await c.addNote(ref.id, 'Another similar alert');
    expect(sim.state.entities.TicketNotes.find((n) => n.ticketID === stored.id)).toMatchObject({
      description: 'Another similar alert',
      noteType: 1,
      publish: 1,
    });

    await c.attachFile(ref.id, { fileName: 'TestAttachment.txt', contentType: 'text/plain', content: Buffer.from('hello from the test') });
    const att = sim.state.entities.TicketAttachments.find((a) => a.parentID === stored.id)!;
    expect(Buffer.from(String(att.data), 'base64').toString()).toBe('hello from the test');

    expect(await c.setStatus(ref.id, '5')).toMatchObject({ status: 'Complete', closed: true });
    expect(await c.setStatus(ref.id, '13')).toMatchObject({ status: 'Re-Opened', closed: false });
  });

  it('a sub-issue type from another issue type is rejected', async () => {
    const err = await client()
      .createTicket({ companyId: '174', summary: 's', description: 'd', routing: { issueTypes: '11', subIssueTypes: '101' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PsaError);
    expect((err as PsaError).message).toMatch(/does not belong to issue type 11/);
  });

  it('retries a 429 and a 5xx read, and leaves a failed create to the caller', async () => {
    await control('faults', { status: 429, times: 1, pathIncludes: '/tickets', retryAfterSeconds: 0 });
    const ref = await client().createTicket({ companyId: '175', summary: 'throttled once', description: 'd', routing: {} });
    await control('faults', { status: 500, times: 2, method: 'GET' });
    expect((await client().getTicket(ref.id)).number).toBe(ref.number);
    const before = sim.state.entities.Tickets.length;
    await control('faults', { status: 503, times: 1, method: 'POST', pathIncludes: '/tickets' });
    const err = await client()
      .createTicket({ companyId: '175', summary: 'down', description: 'd', routing: {} })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'unavailable', retryable: true });
    expect(sim.state.entities.Tickets.length).toBe(before);
  });
});
