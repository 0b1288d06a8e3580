/**
 * `npm run bench:detect-backlog`: sign-in records (bench/signin-records.ts: 500 users, 7
 * addresses, 10% failed, about 1.5 KB each) stored and run through detection, on PGlite and, when
 * DATABASE_URL is set, on Postgres. Prints, measured in the same run:
 * - JSON.parse of the records' text and the bare activity insert (`ingestRecords`), the floors;
 * - store + detect chunk by chunk (what an import, a collection pass or a webhook does), with
 *   the statements sent per 1,000 records;
 * - detection over a backlog already stored (`BENCH_BACKLOG` records, 1,000,000 by default;
 *   one tenant, then the same number spread over 100 tenants), Postgres only unless
 *   `BENCH_BACKLOG_PGLITE=1`.
 * `BENCH_RECORDS` sets the chunked run's count (100,000 by default).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PgliteSession } from 'drizzle-orm/pglite';
import { NodePgSession } from 'drizzle-orm/node-postgres';
import { openDatabase, type Database } from '../db/client.ts';
import { eq, sql } from 'drizzle-orm';
import { msp, securityEvent, tenant } from '../db/schema/index.ts';
import { ingestRecords } from '../services/collector/ingest.ts';
import { detectActivity, type DetectSummary } from '../services/detection/engine.ts';
import { enqueueForEvents } from '../services/notify/outbox.ts';
import { chunked, signInRecords } from './signin-records.ts';
import { fmt, header } from './util.ts';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 100_000);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 1_000_000);
const CHUNK = 1_000;

// Statements sent to the database, counted where drizzle prepares them (both drivers); PGlite
// runs a transaction's begin and commit itself, so those two are added per transaction.
let statements = 0;
for (const session of [PgliteSession.prototype, NodePgSession.prototype] as { prepareQuery: (...args: unknown[]) => unknown }[]) {
  const prepare = session.prepareQuery;
  session.prepareQuery = function (this: unknown, ...args: unknown[]) {
    statements += 1;
    return prepare.apply(this, args);
  };
}
const transaction = PGlite.prototype.transaction;
PGlite.prototype.transaction = function (this: PGlite, ...args: Parameters<PGlite['transaction']>) {
  statements += 2;
  return transaction.apply(this, args);
} as PGlite['transaction'];

async function addTenant(database: Database, mspId: string, n: number) {
  const [t] = await database.db
    .insert(tenant)
    .values({ mspId, tenantGuid: randomUUID(), name: `bench ${n}`, primaryDomain: 'contoso.example', authMode: 'consent' })
    .returning();
  return { mspId, tenantId: t!.id };
}

type Totals = { processed: number; created: number; updated: number };
const addUp = (totals: Totals, s: DetectSummary) => {
  totals.processed += s.processed;
  totals.created += s.eventsCreated;
  totals.updated += s.eventsUpdated;
};

async function withDatabase(label: string, databaseUrl: string | undefined, run: (database: Database, mspId: string) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'tw-bench-backlog-'));
  const { createPostgresDatabase, dropPostgresDatabase } = await import('../test/helpers/database.ts');
  const url = databaseUrl ? await createPostgresDatabase(databaseUrl) : undefined;
  const database = await openDatabase(url ? { databaseUrl: url, poolSize: 4 } : { dataDir: dir });
  try {
    await database.migrate();
    const [m] = await database.db.insert(msp).values({ name: 'bench' }).returning();
    console.log(`  ${label}:`);
    await run(database, m!.id);
  } finally {
    await database.close();
    if (url && databaseUrl) await dropPostgresDatabase(databaseUrl, url);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bare insert, then store + detect chunk by chunk, of the same records into two tenants. */
async function chunked100k(database: Database, mspId: string) {
  const bare = await addTenant(database, mspId, 0);
  let start = performance.now();
  statements = 0;
  for (const chunk of chunked(signInRecords({ count: RECORDS }), CHUNK)) await ingestRecords(database.db, bare, 'import', chunk);
  const bareRate = RECORDS / ((performance.now() - start) / 1000);
  const bareStatements = (statements / RECORDS) * 1000;

  const target = await addTenant(database, mspId, 1);
  const totals: Totals = { processed: 0, created: 0, updated: 0 };
  start = performance.now();
  statements = 0;
  for (const chunk of chunked(signInRecords({ count: RECORDS }), CHUNK)) {
    const stored = await ingestRecords(database.db, target, 'import', chunk);
    addUp(totals, await detectActivity({ db: database.db, onEventsCreated: enqueueForEvents }, stored.insertedIds));
  }
  const rate = RECORDS / ((performance.now() - start) / 1000);
  const byRule = (await database.db
    .select({ detectionId: securityEvent.detectionId, n: sql<number>`count(*)::int`, occurrences: sql<number>`sum(${securityEvent.count})::int` })
    .from(securityEvent)
    .where(eq(securityEvent.tenantId, target.tenantId))
    .groupBy(securityEvent.detectionId)) as { detectionId: string; n: number; occurrences: number }[];
  console.log(`    bare activity insert: ${fmt(bareRate, 0)} records/s (${fmt(bareStatements, 1)} statements / 1,000 records)`);
  console.log(
    `    store + detect in chunks of ${CHUNK}: ${fmt(rate, 0)} records/s = ${(rate / bareRate).toFixed(2)} x bare insert; ${fmt((statements / RECORDS) * 1000, 1)} statements / 1,000 records; ` +
      `${totals.created} events raised, ${totals.updated} updates`,
  );
  console.log(`      events: ${byRule.map((r) => `${r.detectionId.split('.').pop()} ${r.n} (count ${r.occurrences})`).join(', ')}`);
}

/** Stores `count` records over `tenants` tenants, then detects them in batches of 1,000 as the sweep would. */
async function backlog(database: Database, mspId: string, tenants: number) {
  const ids: string[] = [];
  const per = Math.ceil(BACKLOG / tenants);
  for (let t = 0; t < tenants; t++) {
    const target = await addTenant(database, mspId, 100 + t);
    for (const chunk of chunked(signInRecords({ count: Math.min(per, BACKLOG - t * per), seed: 1_000 + t }), CHUNK))
      ids.push(...(await ingestRecords(database.db, target, 'import', chunk)).insertedIds);
  }
  const totals: Totals = { processed: 0, created: 0, updated: 0 };
  const start = performance.now();
  statements = 0;
  for (let i = 0; i < ids.length; i += CHUNK)
    addUp(totals, await detectActivity({ db: database.db, onEventsCreated: enqueueForEvents }, ids.slice(i, i + CHUNK)));
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `    detection over a stored backlog of ${fmt(ids.length, 0)} records, ${tenants} tenant${tenants > 1 ? 's' : ''}: ${fmt(ids.length / seconds, 0)} records/s ` +
      `(${fmt(seconds, 1)} s; ${fmt((statements / ids.length) * 1000, 1)} statements / 1,000 records; ${totals.created} events raised, ${totals.updated} updates)`,
  );
}

header(`Detection throughput (npm run bench:detect-backlog): sign-in records, 500 users, 7 addresses, 10% failed`);
const texts = [...signInRecords({ count: Math.min(RECORDS, 20_000) })].map((r) => JSON.stringify(r));
const parseStart = performance.now();
for (const t of texts) JSON.parse(t);
console.log(
  `  JSON.parse alone: ${fmt(texts.length / ((performance.now() - parseStart) / 1000), 0)} records/s (${fmt(texts.reduce((n, t) => n + t.length, 0) / texts.length, 0)} bytes each)`,
);
const withBacklog = async (database: Database, mspId: string, always: boolean) => {
  await chunked100k(database, mspId);
  if (BACKLOG > 0 && (always || process.env.BENCH_BACKLOG_PGLITE === '1')) {
    await backlog(database, mspId, 1);
    await backlog(database, mspId, 100);
  }
};
await withDatabase('PGlite', undefined, (database, mspId) => withBacklog(database, mspId, false));
if (process.env.DATABASE_URL) await withDatabase('Postgres', process.env.DATABASE_URL, (database, mspId) => withBacklog(database, mspId, true));
else console.log('  Postgres: skipped (set DATABASE_URL to include it)');
