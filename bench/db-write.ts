import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../db/client.ts';
import { activity, msp, tenant } from '../db/schema/index.ts';
import { fmt, header } from './util.ts';

/**
 * Batched inserts of activity rows (the collector's hot write) on PGlite in a data dir and, when
 * DATABASE_URL is set, on that Postgres server, with the idempotent `on conflict do nothing`.
 */
const ROWS = Number(process.env.BENCH_ROWS ?? 50_000);
const BATCH = 1_000;

async function run(label: string, database: Database) {
  await database.migrate();
  const [m] = await database.db.insert(msp).values({ name: 'bench' }).returning();
  const [t] = await database.db.insert(tenant).values({ mspId: m!.id, tenantGuid: randomUUID(), name: 'bench', primaryDomain: 'contoso.example', authMode: 'consent' }).returning();
  const base = Date.UTC(2026, 10, 1);
  const start = performance.now();
  for (let i = 0; i < ROWS; i += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, ROWS - i) }, (_, k) => {
      const n = i + k;
      return {
        mspId: m!.id,
        tenantId: t!.id,
        source: 'Audit.AzureActiveDirectory' as const,
        recordId: `rec-${n}`,
        occurredAt: new Date(base + n * 1000),
        workload: 'AzureActiveDirectory',
        operation: n % 5 === 0 ? 'UserLoginFailed' : 'UserLoggedIn',
        recordType: 15,
        actorUpn: `user${n % 300}@contoso.example`,
        clientIp: `203.0.113.${n % 250}`,
        result: 'Success',
        raw: { Id: `rec-${n}`, CreationTime: new Date(base + n * 1000).toISOString().slice(0, 19), Operation: 'UserLoggedIn', UserId: `user${n % 300}@contoso.example` },
      };
    });
    await database.db.insert(activity).values(rows).onConflictDoNothing();
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(`${label}: ${fmt(ROWS, 0)} activity rows in ${fmt(seconds, 2)} s = ${fmt(ROWS / seconds, 0)} rows/s (batches of ${BATCH})`);
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
