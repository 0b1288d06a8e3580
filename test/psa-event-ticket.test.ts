import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { auditLog, delivery, psaConnection, psaTenantMapping, psaTicket, securityEvent, tenant } from '../db/schema/index.ts';
import { createTicketFiler } from '../services/core/psa/deliver-ticket.ts';
import { createLogger } from '../services/log.ts';
import { startSender, type Sender } from '../services/notify/sender.ts';
import { defaultCwState, startConnectWiseSimulator, type ConnectWiseSimulator } from '../services/sim/connectwise/index.ts';
import { addMember, call, createTestApp, secrets, seedMsp, type Member } from './helpers/app.ts';

/**
 * "Create a ticket" on the event page: POST /api/v1/events/{id}/ticket queues one outbox
 * delivery that the sender files in the ConnectWise simulator over HTTP. Asking twice files one
 * ticket; an unmapped tenant or a missing PSA is said in plain words; roles and MSPs are kept apart.
 */
const PUBLIC_URL = 'https://tw.example';
let sim: ConnectWiseSimulator;
let t: Awaited<ReturnType<typeof createTestApp>>;
let sender: Sender;

beforeAll(async () => {
  sim = await startConnectWiseSimulator({ state: defaultCwState() });
  t = await createTestApp({ TW_DEMO: 'off', TW_PUBLIC_URL: PUBLIC_URL, TW_NOTIFY_RETRY_SECONDS: '1' });
  const log = createLogger(t.config);
  const ticket = createTicketFiler({ database: t.database, secrets, publicUrl: PUBLIC_URL, log });
  sender = await startSender({ database: t.database, config: t.config, log, secrets, channels: { email: null, http: null, ticket } });
}, 120_000);
afterAll(async () => {
  await sender?.stop();
  await sim?.close();
  await t?.drop();
});

let n = 0;

/** An MSP with a Contoso tenant and one open event; ConnectWise connected, Contoso mapped unless told otherwise. */
async function setup(options: { connect?: boolean; map?: boolean } = {}) {
  const owner = await seedMsp(t.database);
  const [ten] = await t.database.db
    .insert(tenant)
    .values({ mspId: owner.mspId, tenantGuid: crypto.randomUUID(), name: 'Contoso', primaryDomain: 'contoso.com', authMode: 'secret', status: 'active' })
    .returning();
  if (options.connect !== false) {
    const [c] = await t.database.db
      .insert(psaConnection)
      .values({
        mspId: owner.mspId,
        kind: 'connectwise',
        settings: { connection: { site: sim.url, companyId: 'tenantwatch_demo', publicKey: 'demoPublicKey', clientId: 'cid', apiVersion: 'v4_6_release' } },
        credentialsEnc: secrets.seal(JSON.stringify({ privateKey: 'demoPrivateKey' })),
      })
      .returning();
    if (options.map !== false)
      await t.database.db.insert(psaTenantMapping).values({
        mspId: owner.mspId,
        connectionId: c!.id,
        tenantId: ten!.id,
        companyId: '250',
        companyName: 'Contoso',
        routing: { boards: '1', priorities: '3' },
      });
  }
  const user = `user${++n}@contoso.com`;
  const [e] = await t.database.db
    .insert(securityEvent)
    .values({
      mspId: owner.mspId,
      tenantId: ten!.id,
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
  const technician = await addMember(t.database, owner.mspId, 'technician');
  return { owner, technician, eventId: e!.id };
}

const ask = (m: Member, eventId: string) => call(t.app, 'POST', `/api/v1/events/${eventId}/ticket`, { token: m.token });
const stateOf = async (m: Member, eventId: string) =>
  (await (await call(t.app, 'GET', `/api/v1/events/${eventId}/ticket`, { token: m.token })).json()) as {
    state: string;
    ticket: { number: string | null } | null;
    message: string;
  };

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

it('asking twice (a double click) files exactly one ticket; asking after that answers with it', async () => {
  const { technician, eventId } = await setup();
  expect((await stateOf(technician, eventId)).state).toBe('ready');
  const [first, second] = await Promise.all([ask(technician, eventId), ask(technician, eventId)]);
  expect(first.status).toBe(202);
  expect(second.status).toBe(202);
  const a = (await first.json()) as { state: string; delivery: { id: string } };
  const b = (await second.json()) as { state: string; delivery: { id: string } };
  expect(a.state).toBe('requested');
  expect(b.delivery.id).toBe(a.delivery.id);
  const rows = await t.database.db.select().from(delivery).where(eq(delivery.eventId, eventId));
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ kind: 'ticket', idempotencyKey: `ticket:manual:${eventId}` });

  const filed = await until(
    () => stateOf(technician, eventId),
    (s) => s.state === 'filed',
  );
  const tickets = sim.state.tickets.filter((x) => x.externalXRef === `tw:${eventId}`);
  expect(tickets).toHaveLength(1);
  expect(filed.ticket!.number).toBe(String(tickets[0]!.id));
  expect(tickets[0]!.initialDescription).toContain(`View event: ${PUBLIC_URL}/events/${eventId}`);

  const again = await ask(technician, eventId);
  expect(again.status).toBe(200);
  expect(await again.json()).toMatchObject({ state: 'filed', ticket: { number: String(tickets[0]!.id) } });
  expect(sim.state.tickets.filter((x) => x.externalXRef === `tw:${eventId}`)).toHaveLength(1);
  expect(await t.database.db.select().from(psaTicket).where(eq(psaTicket.eventId, eventId))).toHaveLength(1);
  const audit = await t.database.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, 'event.ticket_requested'), eq(auditLog.targetId, eventId)));
  expect(audit).toHaveLength(1);
}, 120_000);

it('an unmapped tenant is said in plain words, and nothing is queued', async () => {
  const { technician, eventId } = await setup({ map: false });
  expect(await stateOf(technician, eventId)).toMatchObject({ state: 'unmapped', message: 'Map Contoso to a PSA company on the Integrations page first.' });
  const res = await ask(technician, eventId);
  expect(res.status).toBe(422);
  expect(await res.json()).toMatchObject({ error: { message: 'Map Contoso to a PSA company on the Integrations page first.' } });
  expect(await t.database.db.select().from(delivery).where(eq(delivery.eventId, eventId))).toHaveLength(0);
});

it('no PSA connected is a 409 saying to connect one', async () => {
  const { technician, eventId } = await setup({ connect: false });
  const res = await ask(technician, eventId);
  expect(res.status).toBe(409);
  expect(await res.json()).toMatchObject({
    error: { message: expect.stringMatching(/Connect ConnectWise Manage or Autotask on the Integrations page first/) },
  });
});

it('a read-only user gets 403; another MSP gets the 404 of a missing event', async () => {
  const { owner, eventId } = await setup();
  const reader = await addMember(t.database, owner.mspId, 'read_only');
  const res = await ask(reader, eventId);
  expect(res.status).toBe(403);
  expect((await stateOf(reader, eventId)).state).toBe('ready');

  const stranger = await seedMsp(t.database);
  const other = await ask(stranger, eventId);
  const missing = await ask(stranger, crypto.randomUUID());
  expect(other.status).toBe(404);
  expect(missing.status).toBe(404);
  expect(((await other.json()) as { error: { message: string } }).error.message).toBe(((await missing.json()) as { error: { message: string } }).error.message);
  expect(await t.database.db.select().from(delivery).where(eq(delivery.eventId, eventId))).toHaveLength(0);
});
