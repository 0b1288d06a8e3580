import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { psaConnection, psaTicket, securityEvent, tenant } from '../db/schema/index.ts';
import { connectConnectWise, CW_SUMMARY_LIMIT } from '../services/psa/connectwise/index.ts';
import { readBackTicketStatuses } from '../services/psa/status-sync.ts';
import {
  DEFAULT_OPERATIONAL_SETTINGS,
  fileAlert,
  flushConsolidated,
  operationalSettingsSchema,
  templatesSchema,
  type OperationalSettings,
} from '../services/psa/ticketing.ts';
import { defaultCwState, startConnectWiseSimulator, type ConnectWiseSimulator } from '../services/sim/connectwise/index.ts';
import { createTestDatabase } from './helpers/database.ts';
import { seedMsp } from './helpers/app.ts';

let sim: ConnectWiseSimulator;
let database: Database;
let drop: () => Promise<void>;
const PUBLIC_URL = 'https://tw.example';
const T0 = new Date('2026-03-02T09:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

beforeAll(async () => {
  sim = await startConnectWiseSimulator({ state: defaultCwState() });
  ({ database, drop } = await createTestDatabase());
});
afterAll(async () => {
  await sim.close();
  await drop();
});

type Setup = { mspId: string; tenantId: string; connection: { id: string; mspId: string; kind: 'connectwise' } };
let setup: Setup;
let n = 0;

beforeEach(async () => {
  const member = await seedMsp(database);
  const [t] = await database.db
    .insert(tenant)
    .values({ mspId: member.mspId, tenantGuid: crypto.randomUUID(), name: 'Contoso', primaryDomain: 'contoso.com', authMode: 'secret', status: 'active' })
    .returning();
  const [c] = await database.db.insert(psaConnection).values({ mspId: member.mspId, kind: 'connectwise' }).returning();
  setup = { mspId: member.mspId, tenantId: t!.id, connection: { id: c!.id, mspId: member.mspId, kind: 'connectwise' } };
});

async function event(opts: { user?: string; detection?: string; seconds?: number; title?: string } = {}) {
  const user = opts.user ?? 'alice@contoso.com';
  const [e] = await database.db
    .insert(securityEvent)
    .values({
      mspId: setup.mspId,
      tenantId: setup.tenantId,
      detectionId: opts.detection ?? 'M365.Exchange.ExternalForwarding',
      title: opts.title ?? `Forwarding to an external address #${++n}`,
      description: 'A rule forwards mail outside the organisation.',
      severity: 'high',
      userName: user,
      operation: 'New-InboxRule',
      networkAddress: '154.66.247.79',
      workload: 'Exchange',
      dedupKey: user,
      firstSeenAt: at(opts.seconds ?? 0),
      lastSeenAt: at(opts.seconds ?? 0),
      // Each event is a separate occurrence here; the open-event dedup index is per (tenant, detection, key).
      status: 'resolved',
    })
    .returning();
  return e!.id;
}

const client = (privateKey = 'demoPrivateKey', publicKey = 'demoPublicKey') =>
  connectConnectWise(
    { site: sim.url, companyId: 'tenantwatch_demo', publicKey, clientId: 'cid', apiVersion: 'v4_6_release' },
    { privateKey },
    { maxRetryWaitMs: 10 },
  );

function file(eventId: string, seconds: number, over: Partial<OperationalSettings> = {}, c = client()) {
  return fileAlert({
    db: database.db,
    client: c,
    connection: setup.connection,
    settings: operationalSettingsSchema.parse({ ...over }),
    templates: templatesSchema.parse({}),
    summaryLimit: CW_SUMMARY_LIMIT,
    publicUrl: PUBLIC_URL,
    mapping: { companyId: '250', routing: { boards: '1', priorities: '3' } },
    eventId,
    now: at(seconds),
  });
}
const notesOf = (ticketId: string | null) => sim.state.notes.filter((x) => String(x.ticketId) === ticketId);
const docsOf = (ticketId: string | null) => sim.state.documents.filter((d) => String(d.recordId) === ticketId);

describe('ticketing settings against the ConnectWise simulator', () => {
  it('defaults are the ones MSPs know', () => {
    expect(DEFAULT_OPERATIONAL_SETTINGS).toMatchObject({
      ticketFloodLimit: 10,
      ticketFloodInterval: 3600,
      consolidationInterval: 900,
      updateTicketOnRepetitiveAlerts: true,
      updateInterval: 86_400,
      reopenTicketOnRepetitiveAlerts: true,
      enableTicketCorrelation: true,
      correlationInterval: 2_592_000,
      displayOnlyFirstActivityRecord: true,
      ignoreUploadAttachmentError: false,
    });
  });

  it('creates a ticket with the templates: summary, who/what/where, View and Ignore links', async () => {
    const id = await event({ title: `Forwarding <b>"${'x'.repeat(120)}"</b>` });
    const r = await file(id, 0);
    expect(r.action).toBe('create');
    const t = sim.state.tickets.find((x) => String(x.id) === r.ticket.externalId)!;
    expect(t.summary.startsWith('[Tenantwatch] Forwarding <b>"xxx')).toBe(true);
    expect(t.summary.length).toBe(100);
    expect(t.initialDescription).toContain('Who: alice@contoso.com');
    expect(t.initialDescription).toContain('Action: New-InboxRule');
    expect(t.initialDescription).toContain('Tenant: Contoso');
    expect(t.initialDescription).toContain(`View event: ${PUBLIC_URL}/events/${id}`);
    expect(t.initialDescription).toContain(`Ignore event: ${PUBLIC_URL}/events/${id}#ignore`);
    expect(t.externalXRef).toBe(`tw:${id}`);
    expect(r.ticket).toMatchObject({ eventId: id, number: t.id.toString(), eventIds: [id] });
  });

  it('UpdateTicketOnRepetitiveAlerts: a similar alert within UpdateInterval is a note, after it a new ticket', async () => {
    const first = await file(await event(), 0, { consolidationInterval: 0 });
    const second = await file(await event({ seconds: 3600 }), 3600, { consolidationInterval: 0 });
    expect(second.action).toBe('update');
    expect(second.ticket.id).toBe(first.ticket.id);
    expect(notesOf(first.ticket.externalId).at(-1)!.text).toMatch(/^Another similar alert:/);
    const third = await file(await event({ seconds: 86_401 }), 86_401, { consolidationInterval: 0 });
    expect(third.action).toBe('create');
    expect(third.ticket.externalId).not.toBe(first.ticket.externalId);
    // Turned off: every alert opens its own ticket.
    const fourth = await file(await event({ seconds: 86_500 }), 86_500, { consolidationInterval: 0, updateTicketOnRepetitiveAlerts: false });
    expect(fourth.action).toBe('create');
  });

  it('a different primary entity is not similar', async () => {
    await file(await event({ user: 'alice@contoso.com' }), 0);
    expect((await file(await event({ user: 'bob@contoso.com' }), 10)).action).toBe('create');
  });

  it('ConsolidationInterval: similar alerts are gathered, then written in one note once it has passed', async () => {
    const first = await file(await event(), 0);
    const a = await file(await event({ seconds: 60 }), 60);
    const b = await file(await event({ seconds: 120 }), 120);
    expect([a.action, b.action]).toEqual(['consolidate', 'consolidate']);
    expect(b.ticket.pendingEventIds.length).toBe(2);
    const notesBefore = notesOf(first.ticket.externalId).length;
    const flushArgs = {
      db: database.db,
      client: client(),
      connection: setup.connection,
      settings: DEFAULT_OPERATIONAL_SETTINGS,
      templates: templatesSchema.parse({}),
      summaryLimit: CW_SUMMARY_LIMIT,
      publicUrl: PUBLIC_URL,
    };
    expect(await flushConsolidated({ ...flushArgs, now: at(800) })).toBe(0);
    expect(await flushConsolidated({ ...flushArgs, now: at(901) })).toBe(1);
    const notes = notesOf(first.ticket.externalId);
    expect(notes.length).toBe(notesBefore + 1);
    expect(notes.at(-1)!.text).toMatch(/^2 similar alert\(s\) gathered/);
    expect(docsOf(first.ticket.externalId).length).toBe(2);
    // After the interval, the next similar alert updates straight away.
    expect((await file(await event({ seconds: 1900 }), 1900)).action).toBe('update');
  });

  it('TicketFloodLimit: past the limit in the interval, new alerts go into one flood ticket', async () => {
    const settings = { ticketFloodLimit: 3 };
    const created = [];
    for (let i = 0; i < 3; i++) created.push(await file(await event({ user: `u${i}@contoso.com`, seconds: i }), i, settings));
    expect(created.map((c) => c.action)).toEqual(['create', 'create', 'create']);
    const flood = await file(await event({ user: 'u3@contoso.com', seconds: 10 }), 10, settings);
    expect(flood.action).toBe('flood');
    expect(flood.ticket.isFlood).toBe(true);
    expect(sim.state.tickets.find((t) => String(t.id) === flood.ticket.externalId)!.summary).toBe('[Tenantwatch] Ticket flood: Contoso');
    const more = [];
    for (let i = 4; i < 8; i++) more.push(await file(await event({ user: `u${i}@contoso.com`, seconds: 20 + i }), 20 + i, settings));
    expect(more.every((m) => m.action === 'flood' && m.ticket.id === flood.ticket.id)).toBe(true);
    const rows = await database.db.select().from(psaTicket).where(eq(psaTicket.connectionId, setup.connection.id));
    expect(rows.length).toBe(4);
    expect(rows.find((r) => r.isFlood)!.eventIds.length).toBe(5);
    // After the flood interval, tickets open normally again.
    expect((await file(await event({ user: 'later@contoso.com', seconds: 3700 }), 3700, settings)).action).toBe('create');
  });

  it('ReopenTicketOnRepetitiveAlerts: a similar alert reopens a ticket closed in the PSA', async () => {
    const first = await file(await event(), 0);
    await fetch(`${sim.url}/_sim/tickets/${first.ticket.externalId}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Resolved' }),
    });
    const read = await readBackTicketStatuses({
      db: database.db,
      client: client(),
      connection: setup.connection,
      settings: DEFAULT_OPERATIONAL_SETTINGS,
      now: at(100),
    });
    expect(read).toMatchObject({ read: 1, closedNow: 1, eventsResolved: 0 });
    const again = await file(await event({ seconds: 2000 }), 2000, { reopenStatusId: '4' });
    expect(again.action).toBe('reopen');
    expect(again.ticket).toMatchObject({ status: 'Re-Opened', closed: false });
    expect(sim.state.tickets.find((t) => String(t.id) === first.ticket.externalId)!.statusId).toBe(4);
    expect(notesOf(first.ticket.externalId).at(-1)!.text).toMatch(/^Reopened by Tenantwatch/);
  });

  it('with reopen off, a similar alert after closing opens a new ticket', async () => {
    const first = await file(await event(), 0);
    await fetch(`${sim.url}/_sim/tickets/${first.ticket.externalId}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Closed' }),
    });
    await readBackTicketStatuses({ db: database.db, client: client(), connection: setup.connection, settings: DEFAULT_OPERATIONAL_SETTINGS, now: at(100) });
    expect((await file(await event({ seconds: 2000 }), 2000, { reopenTicketOnRepetitiveAlerts: false })).action).toBe('create');
  });

  it('EnableTicketCorrelation: a new ticket names earlier tickets for the same alert type', async () => {
    const first = await file(await event({ user: 'a@contoso.com' }), 0);
    const second = await file(await event({ user: 'b@contoso.com', seconds: 60 }), 60);
    const t = sim.state.tickets.find((x) => String(x.id) === second.ticket.externalId)!;
    expect(t.initialDescription).toContain(`Previous incident for the same alert type: Id: ${first.ticket.number}`);
    const other = await file(await event({ user: 'c@contoso.com', detection: 'M365.SignIn.BruteForce', seconds: 70 }), 70);
    expect(sim.state.tickets.find((x) => String(x.id) === other.ticket.externalId)!.initialDescription).not.toContain('Previous incident');
    const off = await file(await event({ user: 'd@contoso.com', seconds: 80 }), 80, { enableTicketCorrelation: false });
    expect(sim.state.tickets.find((x) => String(x.id) === off.ticket.externalId)!.initialDescription).not.toContain('Previous incident');
  });

  it('DisplayOnlyFirstActivityRecord: later records go in as attachments; off, as full notes', async () => {
    const on = await file(await event(), 0, { consolidationInterval: 0 });
    await file(await event({ seconds: 10 }), 10, { consolidationInterval: 0 });
    expect(docsOf(on.ticket.externalId).map((d) => d.fileName)).toEqual([expect.stringMatching(/^activity-.*\.txt$/)]);
    expect(docsOf(on.ticket.externalId)[0]!.content.toString()).toContain('Who: alice@contoso.com');
    expect(notesOf(on.ticket.externalId).at(-1)!.text).toContain('The activity records are attached.');

    const off = await file(await event({ user: 'zed@contoso.com', seconds: 20 }), 20, { consolidationInterval: 0, displayOnlyFirstActivityRecord: false });
    await file(await event({ user: 'zed@contoso.com', seconds: 30 }), 30, { consolidationInterval: 0, displayOnlyFirstActivityRecord: false });
    expect(docsOf(off.ticket.externalId)).toEqual([]);
    expect(notesOf(off.ticket.externalId).at(-1)!.text).toContain('Who: zed@contoso.com');
  });

  it('IgnoreUploadAttachmentError: off, a failed attachment fails the update; on, it is set aside and the note goes in', async () => {
    await fetch(`${sim.url}/_sim/members`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ publicKey: 'noDocsPub', privateKey: 'noDocsPriv', identifier: 'nodocs', permissions: ['companies', 'service', 'system'] }),
    });
    const noDocs = client('noDocsPriv', 'noDocsPub');
    const first = await file(await event(), 0, { consolidationInterval: 0 }, noDocs);
    const notesBefore = notesOf(first.ticket.externalId).length;
    const err = await file(await event({ seconds: 10 }), 10, { consolidationInterval: 0 }, noDocs).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'no-permission' });
    expect(notesOf(first.ticket.externalId).length).toBe(notesBefore);
    const [unchanged] = await database.db.select().from(psaTicket).where(eq(psaTicket.id, first.ticket.id));
    expect(unchanged!.eventIds.length).toBe(1);

    const setAside = await file(await event({ seconds: 20 }), 20, { consolidationInterval: 0, ignoreUploadAttachmentError: true }, noDocs);
    expect(setAside.action).toBe('update');
    expect(setAside.ticket.failedAttachments).toEqual([
      expect.objectContaining({ fileName: expect.stringMatching(/^activity-/), error: expect.stringMatching(/upload documents/) }),
    ]);
    expect(notesOf(first.ticket.externalId).length).toBe(notesBefore + 1);
  });

  it('status read-back resolves the events of a closed ticket when the setting says so', async () => {
    const e1 = await event();
    await database.db.update(securityEvent).set({ status: 'open' }).where(eq(securityEvent.id, e1));
    const r = await file(e1, 0);
    await fetch(`${sim.url}/_sim/tickets/${r.ticket.externalId}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Closed' }),
    });
    const read = await readBackTicketStatuses({
      db: database.db,
      client: client(),
      connection: setup.connection,
      settings: { ...DEFAULT_OPERATIONAL_SETTINGS, resolveEventOnTicketClose: true },
      now: at(60),
    });
    expect(read).toMatchObject({ closedNow: 1, eventsResolved: 1 });
    const [ev] = await database.db.select().from(securityEvent).where(eq(securityEvent.id, e1));
    expect(ev!.status).toBe('resolved');
    const [t] = await database.db.select().from(psaTicket).where(eq(psaTicket.id, r.ticket.id));
    expect(t).toMatchObject({ status: 'Closed', closed: true });
  });
});
