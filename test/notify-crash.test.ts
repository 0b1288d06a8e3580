import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { openDatabase, type Database } from '../db/client.ts';
import { appUser, delivery, msp, securityEvent, tenant, trigger, triggerAction } from '../db/schema/index.ts';
import { ingestRecords } from '../services/collector/ingest.ts';
import { inboxRule } from '../services/detection/rules/fixtures/case-records.ts';
import { startSmtpSink, type SmtpSink } from '../services/sim/smtp/index.ts';
import { createPostgresDatabase, dropPostgresDatabase, TEST_SECRET_KEY } from './helpers/database.ts';
import { startHttpReceiver, type HttpReceiver } from './helpers/http-receiver.ts';
import { createSecretBox } from '../services/crypto.ts';
import { verifyWebhookSignature } from '../services/notify/channels/index.ts';
import { eq } from 'drizzle-orm';

/**
 * Exactly once through crashes and outages: a detection event matching a trigger is mailed once
 * (and sent as one signed web request)
 * although the sending process is killed with SIGKILL in the middle of the SMTP exchange, and the
 * SMTP server is down when the next process starts (the mail goes out once it is back).
 */
const CHILD = fileURLToPath(new URL('./helpers/notify-child.ts', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'tw-notify-crash-'));
let databaseUrl: string | undefined;
let sink: SmtpSink | undefined;
let receiver: HttpReceiver;
const SECRET = 'whsec-test-0123456789abcdef';
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await sink?.stop();
  await receiver?.close();
  if (databaseUrl) await dropPostgresDatabase(process.env.DATABASE_URL!, databaseUrl);
  rmSync(dataDir, { recursive: true, force: true });
});

const open = (): Promise<Database> => (databaseUrl ? openDatabase({ databaseUrl, poolSize: 2 }) : openDatabase({ dataDir }));

/** Collects a child's stdout and resolves when a line matches. */
function watch(child: ChildProcess) {
  let out = '';
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = out.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    check();
  });
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return {
    output: () => out,
    until(re: RegExp) {
      return new Promise<RegExpMatchArray>((resolve, reject) => {
        waiters.push({ re, resolve });
        check();
        child.once('exit', (code) =>
          setImmediate(() => waiters.some((w) => w.re === re) && reject(new Error(`child exited (${code}) before ${re}: ${out.slice(-2000)}`))),
        );
      });
    },
  };
}

test('killed mid-send and restarted while the SMTP server is down, the alert is mailed exactly once', async () => {
  sink = await startSmtpSink();
  if (process.env.DATABASE_URL) databaseUrl = await createPostgresDatabase(process.env.DATABASE_URL);
  let database = await open();
  await database.migrate();
  const [m] = await database.db.insert(msp).values({ name: 'Northwind' }).returning();
  const [t] = await database.db
    .insert(tenant)
    .values({ mspId: m!.id, tenantGuid: crypto.randomUUID(), name: 'Contoso', primaryDomain: 'contoso.com', authMode: 'consent' })
    .returning();
  await database.db.insert(appUser).values({ mspId: m!.id, email: 'owner@northwind.example', role: 'owner', status: 'active' });
  const [tr] = await database.db.insert(trigger).values({ mspId: m!.id, name: 'Exchange', condition: "Event.Workload = 'Exchange'" }).returning();
  await database.db.insert(triggerAction).values({
    triggerId: tr!.id,
    mspId: m!.id,
    kind: 'email',
    position: 0,
    config: { to: ['@owners'], subject: 'Alert: {Event.Title} by {Event.UserName}', html: false, body: '{Event.Description}' },
  });
  receiver = await startHttpReceiver();
  await database.db.insert(triggerAction).values({
    triggerId: tr!.id,
    mspId: m!.id,
    kind: 'webhook',
    position: 1,
    config: {
      method: 'POST',
      url: `${receiver.url}/hook`,
      contentType: 'application/json',
      headers: [],
      body: '{"event":"{Event.Id}","user":"{Event.UserName}","url":"{Event.Url}"}',
    },
    secretEnc: createSecretBox(Buffer.from(TEST_SECRET_KEY, 'hex')).seal(SECRET),
  });
  const stored = await ingestRecords(database.db, { mspId: m!.id, tenantId: t!.id }, 'Audit.Exchange', [
    inboxRule({ name: 'Move to RSS', parameters: [['ForwardTo', 'x@fabrikam.com']] }).raw,
  ]);
  // PGlite's files belong to one process at a time: the child's.
  await database.close();

  const env = {
    ...process.env,
    CHILD_ACTIVITY_IDS: stored.insertedIds.join(','),
    TW_SMTP_HOST: sink.host,
    TW_SMTP_PORT: String(sink.port),
    TW_SMTP_SECURITY: 'none',
    TW_SMTP_TIMEOUT_SECONDS: '5',
    TW_NOTIFY_RETRY_SECONDS: '1',
    // The test's own receiver is on loopback.
    TW_NOTIFY_ALLOW_CIDRS: '127.0.0.1/32',
    // On Postgres a row left mid-send comes back when its lease ends.
    TW_NOTIFY_LEASE_SECONDS: '3',
    ...(databaseUrl ? { CHILD_DATABASE_URL: databaseUrl } : { CHILD_DATA_DIR: dataDir }),
  };
  const run = () => {
    const c = spawn(process.execPath, ['--import', 'tsx', CHILD], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(c);
    return c;
  };

  // 1. The sender is in the middle of the SMTP exchange (the server holds its answer to RCPT TO)
  // when it is killed.
  sink.hold('rcpt');
  const first = run();
  await sink.nextHeld(120_000);
  first.kill('SIGKILL');
  await once(first, 'exit');
  sink.release();
  expect(sink.messages()).toEqual([]);

  // 2. The server goes down; a new process starts, takes the delivery back and fails to connect.
  await sink.stop();
  const second = run();
  const out = watch(second);
  await out.until(/delivery failed; will retry/);
  // 3. The server comes back: the mail goes out, once.
  await sink.start();
  const done = await out.until(/done (\[.*\])/);
  await once(second, 'exit');
  const rows = JSON.parse(done[1]!) as { status: string; attempts: number; kind: string }[];
  expect(rows.map((r) => [r.kind, r.status]).sort()).toEqual([
    ['email', 'delivered'],
    ['webhook', 'delivered'],
  ]);
  // The mail: killed, refused at least once, then accepted.
  expect(rows.find((r) => r.kind === 'email')!.attempts).toBeGreaterThanOrEqual(3);
  const mails = sink.messages();
  expect(mails).toHaveLength(1);
  expect(sink.duplicates()).toBe(0);
  expect(mails[0]!.subject).toMatch(/^Alert: .+ by megan\.bowen@contoso\.com$/);
  expect(mails[0]!.envelopeTo).toEqual(['owner@northwind.example']);

  database = await open();
  const [event] = await database.db.select().from(securityEvent);
  const [row] = await database.db.select().from(delivery).where(eq(delivery.kind, 'email'));
  const [hookRow] = await database.db.select().from(delivery).where(eq(delivery.kind, 'webhook'));
  // The web request: signed with the trigger's secret, the event's values in its JSON body. A
  // request the killed process had sent may come again, with the same Idempotency-Key.
  const keys = new Set(receiver.requests.map((r) => r.headers['idempotency-key']));
  expect([...keys]).toEqual([hookRow!.idempotencyKey]);
  for (const r of receiver.requests) {
    expect(verifyWebhookSignature({ secret: SECRET, signatureHeader: r.headers['x-tenantwatch-signature'] as string, body: r.raw })).toMatchObject({
      ok: true,
    });
    expect(JSON.parse(r.body)).toEqual({ event: event!.id, user: 'megan.bowen@contoso.com', url: `http://localhost:8787/events/${event!.id}` });
  }
  expect(row).toMatchObject({ eventId: event!.id, status: 'delivered', lastError: expect.stringContaining('SMTP') });
  expect(mails[0]!.headers['x-tenantwatch-delivery']).toBe(row!.idempotencyKey);
  expect(mails[0]!.text).toContain(`/events/${event!.id}`);
  await database.close();
}, 300_000);
