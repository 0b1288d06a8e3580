import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../db/client.ts';
import { ACTIVITY_WRITE_BATCH, activityWriteRate } from './activity-write-rate.ts';
import { fmt, header, reportFigure } from './util.ts';

/**
 * The collector's hot write (normalise, dedup, store activity rows in batches) on PGlite in a data
 * dir and, when DATABASE_URL is set, on that Postgres server.
 */
const ROWS = Number(process.env.BENCH_ROWS ?? 50_000);

async function run(label: string, database: Database) {
  const rate = await activityWriteRate(database, ROWS);
  console.log(`${label}: ${fmt(ROWS, 0)} activity rows in ${fmt(ROWS / rate, 2)} s = ${fmt(rate, 0)} rows/s (batches of ${ACTIVITY_WRITE_BATCH})`);
  reportFigure({
    figure: `activity rows written per second (${label}, batches of ${ACTIVITY_WRITE_BATCH})`,
    value: Math.round(rate),
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
