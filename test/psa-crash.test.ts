import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eq, sql } from 'drizzle-orm';
import { afterAll, expect, test } from 'vitest';
import { openDatabase, type Database } from '../db/client.ts';
import { delivery, msp, psaConnection, psaTenantMapping, psaTicket, securityEvent, tenant, trigger, triggerAction } from '../db/schema/index.ts';
import { enqueueForEvents } from '../services/notify/outbox.ts';
import { defaultCwState, startConnectWiseSimulator, type ConnectWiseSimulator } from '../services/sim/connectwise/index.ts';
import { secrets } from './helpers/app.ts';
import { createPostgresDatabase, dropPostgresDatabase } from './helpers/database.ts';

/**
 * No second ticket when the process filing it is killed after the PSA created the ticket and
 * before Tenantwatch recorded it: the test holds the ticket table so the child's record waits,
 * kills the child (SIGKILL) once the simulator holds the ticket, and a new process takes the
 * delivery back when its lease ends, finds the ticket by its key and records it. Needs two
 * processes on one database, so it runs on the Postgres server (DATABASE_URL).
 */
const CHILD = fileURLToPath(new URL('./helpers/notify-child.ts', import.meta.url));
const children: ChildProcess[] = [];
let sim: ConnectWiseSimulator | undefined;
let database: Database | undefined;
let databaseUrl: string | undefined;

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await database?.close();
  if (databaseUrl) await dropPostgresDatabase(process.env.DATABASE_URL!, databaseUrl);
  await sim?.close();
});

function output(child: ChildProcess) {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return () => out;
}

async function until(check: () => boolean | Promise<boolean>, what: () => string, timeoutMs = 90_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test.skipIf(!process.env.DATABASE_URL)(
  'killed between the PSA creating the ticket and the record, the next process records it: one ticket',
  async () => {
    sim = await startConnectWiseSimulator({ state: defaultCwState() });
    databaseUrl = await createPostgresDatabase(process.env.DATABASE_URL!);
    database = await openDatabase({ databaseUrl, poolSize: 3 });
    await database.migrate();
    const db = database.db;
    const [m] = await db.insert(msp).values({ name: 'Northwind' }).returning();
    const [t] = await db
      .insert(tenant)
      .values({ mspId: m!.id, tenantGuid: crypto.randomUUID(), name: 'Contoso', primaryDomain: 'contoso.com', authMode: 'secret', status: 'active' })
      .returning();
    const [c] = await db
      .insert(psaConnection)
      .values({
        mspId: m!.id,
        kind: 'connectwise',
        settings: { connection: { site: sim.url, companyId: 'tenantwatch_demo', publicKey: 'demoPublicKey', clientId: 'cid', apiVersion: 'v4_6_release' } },
        credentialsEnc: secrets.seal(JSON.stringify({ privateKey: 'demoPrivateKey' })),
      })
      .returning();
    await db
      .insert(psaTenantMapping)
      .values({ mspId: m!.id, connectionId: c!.id, tenantId: t!.id, companyId: '250', companyName: 'Contoso', routing: { boards: '1' } });
    const [tr] = await db.insert(trigger).values({ mspId: m!.id, name: 'Tickets', condition: "Event.Severity = 'high'" }).returning();
    await db.insert(triggerAction).values({ triggerId: tr!.id, mspId: m!.id, kind: 'ticket', config: {}, position: 0 });

    // Hold the ticket table: the child reads it, but its record of the new ticket waits.
    let release!: () => void;
    let held!: () => void;
    const holding = new Promise<void>((r) => (held = r));
    const lock = db.transaction(async (tx) => {
      await tx.execute(sql`lock table psa_ticket in share mode`);
      held();
      await new Promise<void>((r) => (release = r));
    });
    await holding;

    const eventId = await db.transaction(async (tx) => {
      const [e] = await tx
        .insert(securityEvent)
        .values({
          mspId: m!.id,
          tenantId: t!.id,
          detectionId: 'M365.Exchange.ExternalForwarding',
          title: 'Forwarding to an external address',
          description: 'A rule forwards mail outside the organisation.',
          severity: 'high',
          userName: 'alice@contoso.com',
          dedupKey: 'alice@contoso.com',
          firstSeenAt: new Date(),
          lastSeenAt: new Date(),
        })
        .returning();
      await enqueueForEvents(tx, { mspId: m!.id, eventIds: [e!.id] });
      return e!.id;
    });
    const tickets = () => sim!.state.tickets.filter((x) => x.externalXRef === `tw:${eventId}`);

    const env = {
      ...process.env,
      CHILD_DATABASE_URL: databaseUrl,
      TW_NOTIFY_RETRY_SECONDS: '1',
      TW_NOTIFY_LEASE_SECONDS: '3',
      TW_PUBLIC_URL: 'https://tw.example',
    };
    const run = () => {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      return child;
    };

    const first = run();
    const firstOut = output(first);
    await until(() => tickets().length === 1, firstOut);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    release();
    await lock;
    expect(await db.select().from(psaTicket).where(eq(psaTicket.eventId, eventId))).toHaveLength(0);

    const second = run();
    const secondOut = output(second);
    await until(() => /^done /m.test(secondOut()), secondOut);
    const [row] = await db.select().from(delivery).where(eq(delivery.eventId, eventId));
    expect(row).toMatchObject({ status: 'delivered', kind: 'ticket' });
    expect(row!.response).toMatch(/created by an earlier attempt/);
    expect(tickets()).toHaveLength(1);
    expect(await db.select().from(psaTicket).where(eq(psaTicket.eventId, eventId))).toHaveLength(1);
  },
  180_000,
);
