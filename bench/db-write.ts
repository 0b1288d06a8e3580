import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../db/client.ts';
import { msp, tenant } from '../db/schema/index.ts';
import { ingestRecords } from '../services/collector/ingest.ts';
import { fmt, header, reportFigure } from './util.ts';

/**
 * The collector's hot write (normalise, dedup, store activity rows in batches) on PGlite in a data
 * dir and, when DATABASE_URL is set, on that Postgres server.
 */
const ROWS = Number(process.env.BENCH_ROWS ?? 50_000);
const BATCH = 1_000;

async function run(label: string, database: Database) {
  await database.migrate();
  const [m] = await database.db.insert(msp).values({ name: 'bench' }).returning();
  const [t] = await database.db
    .insert(tenant)
    .values({ mspId: m!.id, tenantGuid: randomUUID(), name: 'bench', primaryDomain: 'contoso.example', authMode: 'consent' })
    .returning();
  const base = Date.UTC(2026, 10, 1);
  const start = performance.now();
  for (let i = 0; i < ROWS; i += BATCH) {
    // Real-shaped sign-in records, through the collector's own path (normalise, dedup, store).
    const records = Array.from({ length: Math.min(BATCH, ROWS - i) }, (_, k) => {
      const n = i + k;
      return {
        Id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
        CreationTime: new Date(base + n * 1000).toISOString().slice(0, 19),
        Operation: n % 5 === 0 ? 'UserLoginFailed' : 'UserLoggedIn',
        RecordType: 15,
        Workload: 'AzureActiveDirectory',
        ResultStatus: 'Success',
        UserId: `user${n % 300}@contoso.example`,
        ClientIP: `203.0.113.${n % 250}`,
        ExtendedProperties: [{ Name: 'UserAgent', Value: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)' }],
        ErrorNumber: n % 5 === 0 ? '50126' : '0',
      };
    });
    await ingestRecords(database.db, { mspId: m!.id, tenantId: t!.id }, 'Audit.AzureActiveDirectory', records);
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(`${label}: ${fmt(ROWS, 0)} activity rows in ${fmt(seconds, 2)} s = ${fmt(ROWS / seconds, 0)} rows/s (batches of ${BATCH})`);
  reportFigure({
    figure: `activity rows written per second (${label}, batches of ${BATCH})`,
    value: Math.round(ROWS / seconds),
    unit: 'rows/s',
    command: 'npx tsx bench/db-write.ts',
  });
}

header('database writes (activity ingest)');
const dir = mkdtempSync(join(tmpdir(), 'tw-bench-'));
const pglite = await openDatabase({ dataDir: dir });
try {
  await run('PGlite (data dir)', pglite);
} finally {
  await pglite.close();
  rmSync(dir, { recursive: true, force: true });
}
if (process.env.DATABASE_URL) {
  const { createPostgresDatabase, dropPostgresDatabase } = await import('../test/helpers/database.ts');
  const url = await createPostgresDatabase(process.env.DATABASE_URL);
  const pg = await openDatabase({ databaseUrl: url });
  try {
    await run('Postgres server', pg);
  } finally {
    await pg.close();
    await dropPostgresDatabase(process.env.DATABASE_URL, url);
  }
} else {
  console.log('Postgres server: skipped (set DATABASE_URL to include it)');
}
