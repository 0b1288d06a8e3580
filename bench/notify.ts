/**
 * Alert latency: `npm run bench:notify`. From the commit of a transaction that records an event
 * (a failed sign-in to Tenantwatch, through the same outbox a detection writes) to the alert
 * mail accepted by an SMTP server (the built-in sink on loopback): the NOTIFY wakes the sender,
 * which claims the row, renders the mail and sends it over a pooled connection. Events one after
 * another (each waits for its mail), on PGlite and, with DATABASE_URL, on a Postgres server.
 * Baseline in the same run: a bare nodemailer send of a mail of the same size to the same sink.
 * Figures only, no assertions.
 */
import { performance } from 'node:perf_hooks';
import nodemailer from 'nodemailer';
import { openDatabase, type Database } from '../db/client.ts';
import { appUser, msp } from '../db/schema/index.ts';
import { loadConfig } from '../services/config.ts';
import { createSecretBox } from '../services/crypto.ts';
import { createLogger } from '../services/log.ts';
import { ensureDefaultTriggers } from '../services/notify/defaults.ts';
import { startNotify } from '../services/notify/index.ts';
import { recordProductEvent } from '../services/notify/outbox.ts';
import { startSmtpSink, type SmtpSink } from '../services/sim/smtp/index.ts';
import { createPostgresDatabase, dropPostgresDatabase, TEST_SECRET_KEY } from '../test/helpers/database.ts';
import { fmt, header, percentile, reportFigure } from './util.ts';

const N = Number(process.env.BENCH_NOTIFY_EVENTS ?? 200);
const WARMUP = 10;

/** Prints a series; answers its p95. */
function report(label: string, ms: number[]): number {
  const sorted = [...ms].sort((a, b) => a - b);
  console.log(
    `${label}: p50 ${fmt(percentile(sorted, 50), 1)} ms, p95 ${fmt(percentile(sorted, 95), 1)} ms, max ${fmt(sorted.at(-1)!, 1)} ms (${ms.length} messages)`,
  );
  return percentile(sorted, 95);
}

let baselineP95 = NaN;

async function baseline(sink: SmtpSink) {
  const transport = nodemailer.createTransport({ pool: true, host: sink.host, port: sink.port, secure: false, ignoreTLS: true });
  const ms: number[] = [];
  for (let i = 0; i < N + WARMUP; i++) {
    const subject = `baseline ${i}`;
    const start = performance.now();
    const accepted = sink.waitFor((m) => m.subject === subject);
    await transport.sendMail({
      from: 'alerts@northwind.example',
      to: 'owner@northwind.example',
      subject,
      text: 'User Name: x\nUser Source: Local\nIP address: 203.0.113.7\nTime: now',
      html: '<p>x</p>',
    });
    await accepted;
    if (i >= WARMUP) ms.push(performance.now() - start);
  }
  transport.close();
  baselineP95 = report('bare nodemailer send to the sink (baseline)', ms);
}

async function outbox(label: string, database: Database, sink: SmtpSink) {
  sink.clear();
  await database.migrate();
  const [m] = await database.db.insert(msp).values({ name: 'Bench MSP' }).returning();
  await database.db.insert(appUser).values({ mspId: m!.id, email: 'owner@northwind.example', role: 'owner', status: 'active' });
  await ensureDefaultTriggers(database.db, m!.id);
  const config = loadConfig({
    TW_SECRET_KEY: TEST_SECRET_KEY,
    TW_LOG_LEVEL: 'silent',
    TW_DEMO: 'off',
    TW_SMTP_HOST: sink.host,
    TW_SMTP_PORT: String(sink.port),
    TW_SMTP_SECURITY: 'none',
  });
  const notify = await startNotify({ database, config, log: createLogger(config), secrets: createSecretBox(Buffer.from(TEST_SECRET_KEY, 'hex')) });
  const ms: number[] = [];
  for (let i = 0; i < N + WARMUP; i++) {
    const userName = `user${i}@northwind.example`;
    const accepted = sink.waitFor((msg) => msg.subject.includes(userName));
    await database.db.transaction((tx) =>
      recordProductEvent(tx, {
        mspId: m!.id,
        eventType: 'LoginAttempt',
        operationResult: 'PasswordInvalid',
        userId: null,
        userName,
        userSource: 'Local',
        networkAddress: '203.0.113.7',
      }),
    );
    const committed = performance.now();
    await accepted;
    if (i >= WARMUP) ms.push(performance.now() - committed);
  }
  await notify.stop();
  const p95 = report(`${label}: event commit → mail accepted by the SMTP sink`, ms);
  reportFigure({
    figure: `alert mail latency p95, event commit → accepted by SMTP (${label})`,
    value: Number(p95.toFixed(1)),
    unit: 'ms',
    baseline: 'bare nodemailer send',
    baselineValue: Number(baselineP95.toFixed(1)),
    command: 'npm run bench:notify',
  });
}

header(`alert latency (${N} events one after another, after ${WARMUP} warm-up)`);
const sink = await startSmtpSink({ keep: 10_000 });
await baseline(sink);
const pglite = await openDatabase({ dataDir: 'memory://' });
await outbox('PGlite', pglite, sink);
await pglite.close();
if (process.env.DATABASE_URL) {
  const url = await createPostgresDatabase(process.env.DATABASE_URL);
  const pg = await openDatabase({ databaseUrl: url, poolSize: 5 });
  await outbox('Postgres server', pg, sink);
  await pg.close();
  await dropPostgresDatabase(process.env.DATABASE_URL, url);
} else {
  console.log('Postgres server: set DATABASE_URL to include it');
}
await sink.stop();
