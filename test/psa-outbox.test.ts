import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { delivery, psaConnection, psaTenantMapping, psaTicket, securityEvent, tenant, trigger, triggerAction } from '../db/schema/index.ts';
import { loadConfig } from '../services/config.ts';
import { createTicketFiler } from '../services/core/psa/deliver-ticket.ts';
import { createLogger } from '../services/log.ts';
import { enqueueForEvents } from '../services/notify/outbox.ts';
import { startSender, type Sender } from '../services/notify/sender.ts';
import { connectConnectWise } from '../services/psa/connectwise/index.ts';
import { defaultCwState, startConnectWiseSimulator, type ConnectWiseSimulator } from '../services/sim/connectwise/index.ts';
import { secrets, seedMsp, type Member } from './helpers/app.ts';
import { listEvents } from '../services/core/event/list-events.ts';
import { createTestDatabase, TEST_SECRET_KEY } from './helpers/database.ts';

/**
 * "Create a ticket" as a trigger action, through the outbox to the ConnectWise simulator over
 * HTTP: one ticket per alert, queued while the PSA answers 5xx and filed once it is back, never
 * a second ticket when an attempt created one but its outcome was lost, and one email to the
 * emergency contact when the integration keeps failing.
 */
let sim: ConnectWiseSimulator;
let database: Database;
let drop: () => Promise<void>;
let sender: Sender;
const PUBLIC_URL = 'https://tw.example';
const config = loadConfig({ TW_SECRET_KEY: TEST_SECRET_KEY, TW_LOG_LEVEL: 'silent', TW_DEMO: 'off', TW_PUBLIC_URL: PUBLIC_URL, TW_NOTIFY_RETRY_SECONDS: '1' });
const log = createLogger(config);
const filer = () => createTicketFiler({ database, secrets, publicUrl: PUBLIC_URL, log });

beforeAll(async () => {
  sim = await startConnectWiseSimulator({ state: defaultCwState() });
  ({ database, drop } = await createTestDatabase());
  sender = await startSender({ database, config, log, secrets, channels: { email: null, http: null, ticket: filer() } });
}, 120_000);
afterAll(async () => {
  await sender?.stop();
  await sim?.close();
  await drop?.();
});

type Setup = { mspId: string; tenantId: string; connectionId: string; email: string; ctx: Member['ctx'] };
let setup: Setup;
let n = 0;

async function connect(privateKey = 'demoPrivateKey', operations: Record<string, unknown> = {}) {
  const member = await seedMsp(database);
  const [t] = await database.db
    .insert(tenant)
    .values({ mspId: member.mspId, tenantGuid: crypto.randomUUID(), name: 'Contoso', primaryDomain: 'contoso.com', authMode: 'secret', status: 'active' })
    .returning();
  const [c] = await database.db
    .insert(psaConnection)
    .values({
      mspId: member.mspId,
      kind: 'connectwise',
      settings: {
        connection: { site: sim.url, companyId: 'tenantwatch_demo', publicKey: 'demoPublicKey', clientId: 'cid', apiVersion: 'v4_6_release' },
        operations,
      },
      credentialsEnc: secrets.seal(JSON.stringify({ privateKey })),
    })
    .returning();
  await database.db
    .insert(psaTenantMapping)
    .values({ mspId: member.mspId, connectionId: c!.id, tenantId: t!.id, companyId: '250', companyName: 'Contoso', routing: { boards: '1', priorities: '3' } });
  const [tr] = await database.db
    .insert(trigger)
    .values({ mspId: member.mspId, name: 'Ticket every forwarding rule', condition: "Event.Severity = 'high'" })
    .returning();
  await database.db.insert(triggerAction).values({ triggerId: tr!.id, mspId: member.mspId, kind: 'ticket', config: {}, position: 0 });
  setup = { mspId: member.mspId, tenantId: t!.id, connectionId: c!.id, email: member.email, ctx: member.ctx };
}

beforeEach(async () => {
  await connect();
});

/** Stores an event and its deliveries in one transaction, as detection does. */
async function alert(user = `user${++n}@contoso.com`) {
  return database.db.transaction(async (tx) => {
    const [e] = await tx
      .insert(securityEvent)
      .values({
        mspId: setup.mspId,
        tenantId: setup.tenantId,
        detectionId: 'M365.Exchange.ExternalForwarding',
        title: `Forwarding to an external address ${n}`,
        description: 'A rule forwards mail outside the organisation.',
        severity: 'high',
        userName: user,
        operation: 'New-InboxRule',
        workload: 'Exchange',
        dedupKey: user,
        firstSeenAt: new Date(),
        lastSeenAt: new Date(),
      })
      .returning();
    await enqueueForEvents(tx, { mspId: setup.mspId, eventIds: [e!.id] });
    return e!.id;
  });
}

const deliveryOf = async (eventId: string) => (await database.db.select().from(delivery).where(eq(delivery.eventId, eventId)))[0]!;
const ticketsFor = (eventId: string) => sim.state.tickets.filter((t) => t.externalXRef === `tw:${eventId}`);

async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await what();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met in time: ${JSON.stringify(v)}`);
    sender.wake();
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('an event matching a trigger with the ticket action creates exactly one ticket', async () => {
  const id = await alert();
  const row = await until(
    () => deliveryOf(id),
    (d) => d.status === 'delivered',
  );
  expect(row.kind).toBe('ticket');
  expect(row.response).toMatch(/^created ticket \d+$/);
  const tickets = ticketsFor(id);
  expect(tickets).toHaveLength(1);
  expect(tickets[0]!.initialDescription).toContain(`View event: ${PUBLIC_URL}/events/${id}`);
  const recorded = await database.db.select().from(psaTicket).where(eq(psaTicket.eventId, id));
  expect(recorded).toHaveLength(1);
  expect(recorded[0]!.number).toBe(String(tickets[0]!.id));

  // The Report: the Ticket column and the "has a ticket" filter.
  await database.db.update(trigger).set({ enabled: false }).where(eq(trigger.mspId, setup.mspId));
  const without = await alert();
  const withTicket = await listEvents({ ctx: setup.ctx, input: { ticket: 'with' } });
  expect(withTicket.items.map((i) => i.id)).toEqual([id]);
  expect(withTicket.items[0]!.ticket).toMatchObject({ number: String(tickets[0]!.id), closed: false });
  expect(withTicket.items[0]!.ticket!.url).toMatch(/^http/);
  const noTicket = await listEvents({ ctx: setup.ctx, input: { ticket: 'without' } });
  expect(noTicket.items.map((i) => i.id)).toEqual([without]);
  expect(noTicket.items[0]!.ticket).toBeNull();
}, 120_000);

it('a PSA outage (5xx) leaves the ticket queued, and it is filed once the PSA answers', async () => {
  // Two failing creates: the client's own retry and the first delivery attempt both see a 503.
  sim.state.faults.push({ status: 503, times: 2, method: 'POST', pathIncludes: '/service/tickets' });
  const id = await alert();
  const row = await until(
    () => deliveryOf(id),
    (d) => d.status === 'delivered',
  );
  expect(row.attempts).toBeGreaterThanOrEqual(2);
  expect(row.lastError).toMatch(/503|ConnectWise/);
  expect(ticketsFor(id)).toHaveLength(1);
}, 120_000);

it('no second ticket when an attempt created it but its outcome was never recorded', async () => {
  // Hold the sender off this row: the "earlier attempt" below creates the ticket and dies before recording it.
  await database.db.update(trigger).set({ enabled: false }).where(eq(trigger.mspId, setup.mspId));
  const id = await alert();
  expect(await database.db.select().from(delivery).where(eq(delivery.eventId, id))).toHaveLength(0);
  const client = connectConnectWise(
    { site: sim.url, companyId: 'tenantwatch_demo', publicKey: 'demoPublicKey', clientId: 'cid', apiVersion: 'v4_6_release' },
    { privateKey: 'demoPrivateKey' },
  );
  await client.createTicket({
    companyId: '250',
    summary: 'created by the attempt that died',
    description: 'x',
    routing: { boards: '1' },
    externalRef: `tw:${id}`,
  });
  await database.db.update(trigger).set({ enabled: true }).where(eq(trigger.mspId, setup.mspId));
  await database.db.transaction((tx) => enqueueForEvents(tx, { mspId: setup.mspId, eventIds: [id] }));
  const row = await until(
    () => deliveryOf(id),
    (d) => d.status === 'delivered',
  );
  expect(row.response).toMatch(/created by an earlier attempt/);
  expect(ticketsFor(id)).toHaveLength(1);
  expect(await database.db.select().from(psaTicket).where(eq(psaTicket.eventId, id))).toHaveLength(1);

  // The same delivery run again (its outcome lost after the commit): still one ticket, no new note.
  const notes = sim.state.notes.length;
  const again = await filer()({ mspId: setup.mspId, eventId: id, isTest: false, idempotencyKey: row.idempotencyKey });
  expect(again).toMatchObject({ ok: true, detail: expect.stringMatching(/^already on ticket/) });
  expect(ticketsFor(id)).toHaveLength(1);
  expect(sim.state.notes.length).toBe(notes);
}, 120_000);

it('concurrent filers of one alert make one ticket (the per-connection lock)', async () => {
  await database.db.update(trigger).set({ enabled: false }).where(eq(trigger.mspId, setup.mspId));
  const id = await alert();
  const f = filer();
  const row = { mspId: setup.mspId, eventId: id, isTest: false, idempotencyKey: `k:${id}` };
  const outcomes = await Promise.all([f(row), f(row), f(row)]);
  expect(outcomes.every((o) => o.ok)).toBe(true);
  expect(ticketsFor(id)).toHaveLength(1);
}, 120_000);

const emergencyMails = () =>
  database.db
    .select()
    .from(delivery)
    .where(and(eq(delivery.mspId, setup.mspId), like(delivery.idempotencyKey, 'psa-failing:%')));

it('revoked keys: the emergency contact (default the owners) gets one email, not one per failure', async () => {
  await connect('revokedKey');
  await database.db.update(trigger).set({ enabled: false }).where(eq(trigger.mspId, setup.mspId));
  const f = filer();
  for (let i = 0; i < 3; i++) {
    const out = await f({ mspId: setup.mspId, eventId: await alert(), isTest: false, idempotencyKey: `k:${i}` });
    expect(out).toMatchObject({ ok: false, retryable: true });
  }
  const mails = await emergencyMails();
  expect(mails).toHaveLength(1);
  const rendered = (mails[0]!.payload as { rendered: { to: string[]; subject: string; text: string } }).rendered;
  expect(rendered.to).toEqual([setup.email]);
  expect(rendered.subject).toMatch(/keys were refused/);
}, 120_000);

it('a PSA down longer than the threshold emails the configured emergency contact once; a success ends the failure', async () => {
  await connect('demoPrivateKey', { emergencyContacts: ['noc@northwind.example'], emergencyAfterSeconds: 600 });
  await database.db.update(trigger).set({ enabled: false }).where(eq(trigger.mspId, setup.mspId));
  const f = filer();
  const file = async () => f({ mspId: setup.mspId, eventId: await alert(), isTest: false, idempotencyKey: crypto.randomUUID() });
  sim.state.faults.push({ status: 502, times: 100, method: 'POST', pathIncludes: '/service/tickets' });
  try {
    expect(await file()).toMatchObject({ ok: false, retryable: true });
    expect(await emergencyMails()).toHaveLength(0);
    // The failure started longer ago than the threshold.
    await database.db
      .update(psaConnection)
      .set({ failingSince: new Date(Date.now() - 11 * 60_000) })
      .where(eq(psaConnection.id, setup.connectionId));
    expect(await file()).toMatchObject({ ok: false });
    expect(await file()).toMatchObject({ ok: false });
    const mails = await emergencyMails();
    expect(mails).toHaveLength(1);
    expect((mails[0]!.payload as { rendered: { to: string[] } }).rendered.to).toEqual(['noc@northwind.example']);
  } finally {
    sim.state.faults.splice(0);
  }
  expect(await file()).toMatchObject({ ok: true });
  const [c] = await database.db.select().from(psaConnection).where(eq(psaConnection.id, setup.connectionId));
  expect(c).toMatchObject({ failingSince: null, failureNotifiedAt: null });
}, 120_000);
