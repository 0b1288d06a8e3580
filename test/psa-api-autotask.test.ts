import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAutotaskSimulator, type AutotaskSimulator } from '../services/sim/autotask/index.ts';
import { call, createTestApp, type Member, seedMsp } from './helpers/app.ts';

let sim: AutotaskSimulator;
let t: Awaited<ReturnType<typeof createTestApp>>;
let owner: Member;
let contosoId: string;
const USER = 'tenantwatch-api@demomsp.example';

beforeAll(async () => {
  sim = await startAutotaskSimulator();
  t = await createTestApp();
  owner = await seedMsp(t.database, 'owner');
  const res = await call(t.app, 'POST', '/api/v1/tenants', {
    token: owner.token,
    body: {
      name: 'Contoso',
      tenantGuid: '00000000-0000-4000-8000-000000000011',
      primaryDomain: 'contoso.com',
      auth: { mode: 'secret', clientId: '11111111-2222-4333-8444-555555555555', clientSecret: 's' },
    },
  });
  contosoId = ((await res.json()) as { id: string }).id;
});
afterAll(async () => {
  await sim.close();
  await t.drop();
});

const api = (method: string, path: string, body?: unknown) =>
  call(t.app, method, `/api/v1${path}`, { token: owner.token, ...(body !== undefined ? { body } : {}) });

describe('PSA API with the Autotask simulator', () => {
  it('an unknown API user is a zone not found; the right one connects through its zone', async () => {
    const unknown = await api('POST', '/psa/autotask/test-connection', {
      connection: { userName: 'nobody@demomsp.example', discoveryUrl: sim.url },
      credentials: { secret: 'x', integrationCode: 'y' },
    });
    expect(await unknown.json()).toMatchObject({ ok: false, reason: 'zone-not-found' });
    expect(
      (
        await api('PUT', '/psa/autotask', {
          connection: { userName: USER, discoveryUrl: sim.url },
          credentials: { secret: 'demoSecret', integrationCode: 'DEMOINTEGRATIONCODE' },
        })
      ).status,
    ).toBe(200);
    expect(await (await api('POST', '/psa/autotask/test-connection')).json()).toMatchObject({ ok: true, message: expect.stringContaining('America West 2') });
  });

  it('suggests the company by website, routes by queue and issue type, and files the test ticket with its base64 attachment', async () => {
    const suggestions = (await (await api('GET', '/psa/autotask/company-suggestions')).json()) as {
      items: { suggestion: { companyId: string; why: string } | null }[];
    };
    expect(suggestions.items[0]!.suggestion).toMatchObject({ companyId: '174', why: 'domain' });
    const subs = (await (await api('GET', '/psa/autotask/lists/subIssueTypes?parent=10')).json()) as { items: { name: string }[] };
    expect(subs.items.map((s) => s.name)).toEqual(['Account compromise', 'Suspicious sign-in']);
    await api('PUT', '/psa/autotask', {
      mappings: [
        {
          tenantId: contosoId,
          companyId: '174',
          companyName: 'Contoso Ltd',
          routing: { queues: '29683355', issueTypes: '10', subIssueTypes: '102', priorities: '1' },
        },
      ],
    });
    const res = await api('POST', '/psa/autotask/test-ticket', {});
    expect(res.status).toBe(201);
    const ticket = (await res.json()) as { number: string; url: string; attachment: { ok: boolean } };
    expect(ticket.number).toMatch(/^T\d{8}\.\d{4}$/);
    expect(ticket.url).toContain('/ww15/Mvc/ServiceDesk/TicketDetail.mvc');
    const stored = sim.state.entities.Tickets.at(-1)!;
    expect(stored).toMatchObject({ title: '[Tenantwatch] Test Alert', companyID: 174, queueID: 29683355, issueType: 10, subIssueType: 102, priority: 1 });
    const attachment = sim.state.entities.TicketAttachments.find((a) => a.parentID === stored.id)!;
    expect(attachment).toMatchObject({ title: 'TestAttachment.txt', attachmentType: 'FILE_ATTACHMENT' });
    expect(Buffer.from(String(attachment.data), 'base64').toString()).toMatch(/^Sample attachment from Tenantwatch/);
  });
});
