import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, psaConnection, securityEvent } from '../db/schema/index.ts';
import { defaultCwState, startConnectWiseSimulator, type ConnectWiseSimulator } from '../services/sim/connectwise/index.ts';
import { addMember, call, createTestApp, type Member, secrets, seedMsp } from './helpers/app.ts';
import { findPsaConnection, readPsaSettings, storedPsaClient } from '../services/core/psa/psa-connection.ts';
import { syncPsaTickets } from '../services/core/psa/sync-psa-tickets.ts';
import { fileAlert } from '../services/psa/ticketing.ts';
import { createLogger } from '../services/log.ts';

let sim: ConnectWiseSimulator;
let t: Awaited<ReturnType<typeof createTestApp>>;
let owner: Member;
let contosoId: string;
let fabrikamId: string;

const CONNECTION = () => ({ site: sim.url, companyId: 'tenantwatch_demo', publicKey: 'demoPublicKey', clientId: '3f8a2e1c-0b7d-4a55-9c1e-5d2b6f7a8c90' });
const PRIVATE_KEY = 'demoPrivateKey';

beforeAll(async () => {
  sim = await startConnectWiseSimulator({ state: defaultCwState() });
  t = await createTestApp();
  owner = await seedMsp(t.database, 'owner');
  const add = async (name: string, primaryDomain: string, n: number) => {
    const res = await call(t.app, 'POST', '/api/v1/tenants', {
      token: owner.token,
      body: {
        name,
        tenantGuid: `00000000-0000-4000-8000-00000000000${n}`,
        primaryDomain,
        auth: { mode: 'secret', clientId: '11111111-2222-4333-8444-555555555555', clientSecret: 's' },
      },
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  contosoId = await add('Contoso', 'contoso.com', 1);
  fabrikamId = await add('Fabrikam Inc', 'fabrikam.onmicrosoft.com', 2);
});
afterAll(async () => {
  await sim.close();
  await t.drop();
});

const api = (method: string, path: string, body?: unknown, who: Member = owner) =>
  call(t.app, method, `/api/v1${path}`, { token: who.token, ...(body !== undefined ? { body } : {}) });

describe('PSA API with the ConnectWise simulator', () => {
  it('is not connected at first', async () => {
    const res = await api('GET', '/psa/connectwise');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      configured: false,
      connection: null,
      hasCredentials: false,
      templates: { summary: '[Tenantwatch] {Event.Title}' },
      operations: { ticketFloodLimit: 10 },
    });
  });

  it('tests settings before saving, in plain words', async () => {
    const bad = await api('POST', '/psa/connectwise/test-connection', { connection: CONNECTION(), credentials: { privateKey: 'nope' } });
    expect(await bad.json()).toMatchObject({ ok: false, reason: 'wrong-keys', message: expect.stringMatching(/public and private key/) });
    const incomplete = await api('POST', '/psa/connectwise/test-connection', { connection: { site: sim.url } });
    expect(incomplete.status).toBe(400);
  });

  it('connects: keys sealed, never returned, audited without secrets', async () => {
    const res = await api('PUT', '/psa/connectwise', { connection: CONNECTION(), credentials: { privateKey: PRIVATE_KEY } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ configured: true, hasCredentials: true, connection: { ...CONNECTION(), apiVersion: 'v4_6_release' } });
    expect(JSON.stringify(body)).not.toContain(PRIVATE_KEY);
    const [row] = await t.database.db.select().from(psaConnection).where(eq(psaConnection.mspId, owner.mspId));
    expect(row!.credentialsEnc).toMatch(/^v1\./);
    expect(row!.credentialsEnc).not.toContain(PRIVATE_KEY);
    const audits = await t.database.db.select().from(auditLog).where(eq(auditLog.mspId, owner.mspId));
    expect(audits.find((a) => a.action === 'psa.connect')?.details).toMatchObject({ kind: 'connectwise', changed: ['connection', 'credentials'] });
    expect(JSON.stringify(audits)).not.toContain(PRIVATE_KEY);

    const tested = await api('POST', '/psa/connectwise/test-connection');
    expect(await tested.json()).toMatchObject({ ok: true });
    expect(await (await api('GET', '/psa/connectwise')).json()).toMatchObject({ lastTest: { ok: true } });
  });

  it('reads the PSA lists live and suggests a company per tenant', async () => {
    const boards = (await (await api('GET', '/psa/connectwise/lists/boards')).json()) as { items: { name: string }[] };
    expect(boards.items.map((b) => b.name)).toEqual(['Service Desk', 'Security Operations']);
    const statuses = (await (await api('GET', '/psa/connectwise/lists/statuses?parent=2')).json()) as { items: { name: string }[] };
    expect(statuses.items.map((s) => s.name)).toEqual(['New (Security)', 'Investigating', 'Closed']);
    expect((await api('GET', '/psa/connectwise/lists/queues')).status).toBe(400);

    const suggestions = (await (await api('GET', '/psa/connectwise/company-suggestions')).json()) as {
      items: { tenantName: string; suggestion: { companyName: string; why: string } | null }[];
    };
    expect(suggestions.items).toEqual([
      expect.objectContaining({ tenantName: 'Contoso', suggestion: { companyId: '250', companyName: 'Contoso Ltd', why: 'domain' } }),
      expect.objectContaining({ tenantName: 'Fabrikam Inc', suggestion: { companyId: '251', companyName: 'Fabrikam, Inc.', why: 'name' } }),
    ]);
  });

  it('a PSA outage on a live list answers 503 in the PSA words', async () => {
    sim.state.faults.push({ status: 503, times: 5 });
    const res = await api('GET', '/psa/connectwise/lists/priorities');
    sim.state.faults.length = 0;
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('psa_unavailable');
  });

  it('maps tenants (confirmed), refuses unknown tenants and bad templates', async () => {
    const res = await api('PUT', '/psa/connectwise', {
      mappings: [
        { tenantId: contosoId, companyId: '250', companyName: 'Contoso Ltd', routing: { boards: '1', priorities: '3', severity: 'Medium', impact: 'Medium' } },
      ],
      templates: { summary: '[Tenantwatch] {Event.Title} ({Event.Tenant})' },
      operations: { ticketFloodLimit: 5 },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      mappings: [{ tenantName: 'Contoso', companyName: 'Contoso Ltd', routing: { boards: '1' } }],
      templates: { summary: '[Tenantwatch] {Event.Title} ({Event.Tenant})' },
      operations: { ticketFloodLimit: 5, consolidationInterval: 900 },
    });
    const other = await seedMsp(t.database, 'owner');
    const foreign = await api('PUT', '/psa/connectwise', { mappings: [{ tenantId: contosoId, companyId: '250', companyName: 'x', routing: {} }] }, other);
    expect(foreign.status).toBe(400);
    const badTemplate = await api('PUT', '/psa/connectwise', { templates: { description: 'Who: {Event.Nobody}' } });
    expect(badTemplate.status).toBe(400);
    expect(((await badTemplate.json()) as { error: { message: string } }).error.message).toMatch(/Unknown field 'Event.Nobody'/);
  });

  it('previews the templates on a real event', async () => {
    const at = new Date('2026-01-05T08:00:00Z');
    await t.database.db.insert(securityEvent).values({
      mspId: owner.mspId,
      tenantId: contosoId,
      detectionId: 'M365.Exchange.ExternalForwarding',
      title: 'Forwarding <script>',
      description: 'd',
      severity: 'high',
      userName: 'alice@contoso.com',
      dedupKey: 'alice@contoso.com',
      firstSeenAt: at,
      lastSeenAt: at,
    });
    const res = await api('POST', '/psa/connectwise/preview', { templates: { description: 'Who: {Event.UserName}\nView event: {Event.Link}' } });
    const body = (await res.json()) as { summary: string; description: string; eventId: string };
    expect(body.summary).toBe('[Tenantwatch] Forwarding <script> (Contoso)');
    expect(body.description).toBe(`Who: alice@contoso.com\nView event: ${t.config.publicUrl}/events/${body.eventId}`);
  });

  it('creates the test ticket with its attachment, and lists it', async () => {
    const res = await api('POST', '/psa/connectwise/test-ticket', {});
    expect(res.status).toBe(201);
    const ticket = (await res.json()) as { number: string; url: string; attachment: { ok: boolean } };
    expect(ticket.attachment.ok).toBe(true);
    const stored = sim.state.tickets.find((x) => String(x.id) === ticket.number)!;
    expect(stored.summary).toBe('[Tenantwatch] Test Alert');
    expect(stored.initialDescription).toMatch(/tests the integration between Tenantwatch and ConnectWise Manage/);
    expect(stored).toMatchObject({ companyId: 250, boardId: 1, priorityId: 3 });
    const doc = sim.state.documents.find((d) => d.recordId === stored.id)!;
    expect(doc.fileName).toBe('TestAttachment.txt');
    expect(doc.content.toString()).toMatch(/^Sample attachment from Tenantwatch/);

    const list = (await (await api('GET', '/psa/tickets')).json()) as { items: { number: string; isTest: boolean; tenantName: string }[] };
    expect(list.items[0]).toMatchObject({ number: ticket.number, isTest: true, tenantName: 'Contoso' });
  });

  it('the test ticket for an unmapped tenant is refused in words', async () => {
    const res = await api('POST', '/psa/connectwise/test-ticket', { tenantId: fabrikamId });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/not mapped/);
  });

  it('a failed attachment on the test ticket is reported, the ticket kept', async () => {
    sim.state.faults.push({ status: 500, times: 1, method: 'POST', pathIncludes: '/system/documents' });
    const res = await api('POST', '/psa/connectwise/test-ticket', {});
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ attachment: { ok: false, message: expect.stringMatching(/answered 500/) } });
  });

  it('technicians may not see or change the connection; they see tickets', async () => {
    const tech = await addMember(t.database, owner.mspId, 'technician');
    expect((await api('GET', '/psa/connectwise', undefined, tech)).status).toBe(403);
    expect((await api('PUT', '/psa/connectwise', { enabled: false }, tech)).status).toBe(403);
    expect((await api('POST', '/psa/connectwise/test-ticket', {}, tech)).status).toBe(403);
    expect((await api('GET', '/psa/tickets', undefined, tech)).status).toBe(200);
    const admin = await addMember(t.database, owner.mspId, 'admin');
    expect((await api('GET', '/psa/connectwise', undefined, admin)).status).toBe(200);
  });

  it('the scheduled round reads a closed ticket back and resolves its event; the event finds its ticket', async () => {
    await api('PUT', '/psa/connectwise', { operations: { resolveEventOnTicketClose: true } });
    const at = new Date();
    const [ev] = await t.database.db
      .insert(securityEvent)
      .values({
        mspId: owner.mspId,
        tenantId: contosoId,
        detectionId: 'M365.AzureAD.PasswordSpray',
        title: 'Password spray',
        description: 'd',
        severity: 'high',
        dedupKey: '203.0.113.9',
        firstSeenAt: at,
        lastSeenAt: at,
      })
      .returning();
    const row = (await findPsaConnection(t.database.db, owner.mspId, 'connectwise'))!;
    const settings = readPsaSettings(row);
    const filed = await fileAlert({
      db: t.database.db,
      client: storedPsaClient({ secrets }, row),
      connection: { id: row.id, mspId: owner.mspId, kind: 'connectwise' },
      settings: settings.operations,
      templates: settings.templates,
      summaryLimit: 100,
      publicUrl: t.config.publicUrl,
      mapping: { companyId: '250', routing: { boards: '1' } },
      eventId: ev!.id,
    });
    await fetch(`${sim.url}/_sim/tickets/${filed.ticket.externalId}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Closed' }),
    });
    const rounds = await syncPsaTickets({ db: t.database.db, secrets, publicUrl: t.config.publicUrl, log: createLogger(t.config) });
    expect(rounds.find((r) => r.connectionId === row.id)).toMatchObject({ status: { closedNow: 1, eventsResolved: 1 } });
    const [after] = await t.database.db.select().from(securityEvent).where(eq(securityEvent.id, ev!.id));
    expect(after!.status).toBe('resolved');
    const tickets = (await (await api('GET', `/psa/tickets?eventId=${ev!.id}`)).json()) as { items: { number: string; status: string; url: string }[] };
    expect(tickets.items).toEqual([expect.objectContaining({ number: filed.ticket.number, status: 'Closed', url: expect.stringContaining('service_recid=') })]);
  });

  it('another MSP sees neither the connection nor the tickets', async () => {
    const other = await seedMsp(t.database, 'owner');
    expect(await (await api('GET', '/psa/connectwise', undefined, other)).json()).toMatchObject({ configured: false, mappings: [] });
    expect(await (await api('GET', '/psa/tickets', undefined, other)).json()).toEqual({ items: [], nextCursor: null });
  });
});
