/**
 * Tickets from triggers: `npm run bench:psa`. From the commit of a transaction that stores a
 * detection event matching a trigger with "Create a ticket" to the ticket existing in the
 * ConnectWise simulator (over loopback HTTP, answering every call in 100 ms): the NOTIFY wakes
 * the sender, which claims the row, takes the connection's lock, looks the alert's key up and
 * creates the ticket. Baseline in the same run: a bare create-ticket call to the simulator.
 * Then a flood: 1,000 matching events for one tenant (different users, so none is "similar"),
 * and how many tickets the default flood limit (10 per hour, then one flood ticket) lets
 * through; the simulator answers at once there to keep the run short. Figures only.
 */
import { performance } from 'node:perf_hooks';
import { and, eq, sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../db/client.ts';
import { delivery, msp, psaConnection, psaTenantMapping, securityEvent, tenant, trigger, triggerAction } from '../db/schema/index.ts';
import { loadConfig } from '../services/config.ts';
import { createTicketFiler } from '../services/core/psa/deliver-ticket.ts';
import { createSecretBox } from '../services/crypto.ts';
import { createLogger } from '../services/log.ts';
import { enqueueForEvents } from '../services/notify/outbox.ts';
import { startSender } from '../services/notify/sender.ts';
import { connectConnectWise } from '../services/psa/connectwise/index.ts';
import { defaultCwState, startConnectWiseSimulator } from '../services/sim/connectwise/index.ts';
import { TEST_SECRET_KEY } from '../test/helpers/database.ts';
import { fmt, header, percentile, reportFigure } from './util.ts';

const N = Number(process.env.BENCH_PSA_EVENTS ?? 40);
const FLOOD = Number(process.env.BENCH_PSA_FLOOD ?? 1000);
const WARMUP = 3;
const LATENCY_MS = 100;
const PUBLIC_URL = 'https://tw.northwind.example';

/** Prints a series; answers its p95. */
function report(label: string, ms: number[]): number {
  const sorted = [...ms].sort((a, b) => a - b);
  console.log(
    `${label}: p50 ${fmt(percentile(sorted, 50), 0)} ms, p95 ${fmt(percentile(sorted, 95), 0)} ms, max ${fmt(sorted.at(-1)!, 0)} ms (${ms.length} tickets)`,
  );
  return percentile(sorted, 95);
}

let baselineP95 = NaN;

const sim = await startConnectWiseSimulator({ state: defaultCwState() });
const setLatency = async (ms: number) => {
  const res = await fetch(`${sim.url}/_sim/latency`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms }) });
  if (!res.ok) throw new Error(`latency: HTTP ${res.status}`);
};
const cwSettings = { site: sim.url, companyId: 'tenantwatch_demo', publicKey: 'demoPublicKey', clientId: 'cid', apiVersion: 'v4_6_release' };
const ticketOf = (eventId: string) => sim.state.tickets.some((t) => t.externalXRef === `tw:${eventId}`);

/** Resolves when the check holds, looking every few milliseconds (the simulator runs in this process). */
function until(check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const look = () => (check() ? resolve() : setTimeout(look, 2));
    look();
  });
}

async function baseline() {
  const client = connectConnectWise(cwSettings, { privateKey: 'demoPrivateKey' });
  const ms: number[] = [];
  for (let i = 0; i < N + WARMUP; i++) {
    const start = performance.now();
    await client.createTicket({ companyId: '250', summary: `baseline ${i}`, description: 'baseline', routing: { boards: '1', priorities: '3' } });
    if (i >= WARMUP) ms.push(performance.now() - start);
  }
  baselineP95 = report(`bare create-ticket call to the simulator (${LATENCY_MS} ms per call; baseline)`, ms);
}

async function setup(database: Database, operations: Record<string, unknown>) {
  const secrets = createSecretBox(Buffer.from(TEST_SECRET_KEY, 'hex'));
  const [m] = await database.db.insert(msp).values({ name: 'Bench MSP' }).returning();
  const [t] = await database.db
    .insert(tenant)
    .values({ mspId: m!.id, tenantGuid: crypto.randomUUID(), name: 'Contoso', primaryDomain: 'contoso.com', authMode: 'secret', status: 'active' })
    .returning();
  const [c] = await database.db
    .insert(psaConnection)
    .values({
      mspId: m!.id,
      kind: 'connectwise',
      settings: { connection: cwSettings, operations },
      credentialsEnc: secrets.seal(JSON.stringify({ privateKey: 'demoPrivateKey' })),
    })
    .returning();
  await database.db
    .insert(psaTenantMapping)
    .values({ mspId: m!.id, connectionId: c!.id, tenantId: t!.id, companyId: '250', companyName: 'Contoso', routing: { boards: '1', priorities: '3' } });
  const [tr] = await database.db.insert(trigger).values({ mspId: m!.id, name: 'Ticket high severity', condition: "Event.Severity = 'high'" }).returning();
  await database.db.insert(triggerAction).values({ triggerId: tr!.id, mspId: m!.id, kind: 'ticket', config: {}, position: 0 });
  return { mspId: m!.id, tenantId: t!.id, connectionId: c!.id, secrets };
}

let seq = 0;
async function storeEvents(database: Database, s: { mspId: string; tenantId: string }, count: number): Promise<string[]> {
  return database.db.transaction(async (tx) => {
    const rows = await tx
      .insert(securityEvent)
      .values(
        Array.from({ length: count }, () => {
          const user = `user${++seq}@contoso.com`;
          return {
            mspId: s.mspId,
            tenantId: s.tenantId,
            detectionId: 'M365.Exchange.ExternalForwarding',
            title: `Forwarding to an external address (${user})`,
            description: 'A rule forwards mail outside the organisation.',
            severity: 'high' as const,
            userName: user,
            operation: 'New-InboxRule',
            workload: 'Exchange',
            dedupKey: user,
            firstSeenAt: new Date(),
            lastSeenAt: new Date(),
          };
        }),
      )
      .returning({ id: securityEvent.id });
    const ids = rows.map((r) => r.id);
    await enqueueForEvents(tx, { mspId: s.mspId, eventIds: ids });
    return ids;
  });
}

const config = loadConfig({ TW_SECRET_KEY: TEST_SECRET_KEY, TW_LOG_LEVEL: 'silent', TW_DEMO: 'off', TW_PUBLIC_URL: PUBLIC_URL });
const log = createLogger(config);

header(`PSA tickets from triggers (ConnectWise simulator; ${N} events one after another, after ${WARMUP} warm-up)`);
await setLatency(LATENCY_MS);
await baseline();

const database = await openDatabase(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : { dataDir: 'memory://' });
await database.migrate();
const latencySetup = await setup(database, { ticketFloodLimit: 10_000 });
const sender = await startSender({
  database,
  config,
  log,
  secrets: latencySetup.secrets,
  channels: { email: null, http: null, ticket: createTicketFiler({ database, secrets: latencySetup.secrets, publicUrl: PUBLIC_URL, log }) },
});
const ms: number[] = [];
for (let i = 0; i < N + WARMUP; i++) {
  const [id] = await storeEvents(database, latencySetup, 1);
  const committed = performance.now();
  await until(() => ticketOf(id!));
  if (i >= WARMUP) ms.push(performance.now() - committed);
}
const ticketP95 = report(`${database.kind === 'postgres' ? 'Postgres server' : 'PGlite'}: event commit → ticket created in the simulator`, ms);
reportFigure({
  figure: `PSA ticket latency p95, event commit → ticket created (${database.kind}, ${LATENCY_MS} ms per PSA call)`,
  value: Math.round(ticketP95),
  unit: 'ms',
  baseline: 'bare create-ticket call',
  baselineValue: Math.round(baselineP95),
  command: 'npm run bench:psa',
});

// The flood: default operational settings (flood limit 10 per 3,600 s).
await setLatency(0);
const flood = await setup(database, {});
const before = sim.state.tickets.length;
const start = performance.now();
for (let i = 0; i < FLOOD; i += 100) await storeEvents(database, flood, Math.min(100, FLOOD - i));
const open = async () => {
  const [r] = await database.db
    .select({ n: sql<number>`count(*)::int` })
    .from(delivery)
    .where(and(eq(delivery.mspId, flood.mspId), sql`${delivery.status} <> 'delivered'`));
  return r!.n;
};
for (;;) {
  if ((await open()) === 0) break;
  await new Promise((r) => setTimeout(r, 200));
}
const created = sim.state.tickets.slice(before);
const floodTickets = created.filter((t) => t.summary.startsWith('[Tenantwatch] Ticket flood')).length;
console.log(
  `flood of ${FLOOD} matching events for one tenant: ${created.length} tickets created (${created.length - floodTickets} alert tickets + ${floodTickets} flood ticket; goal at most 10 + 1), all filed in ${fmt((performance.now() - start) / 1000, 1)} s`,
);
await sender.stop();
await database.close();
await sim.close();
