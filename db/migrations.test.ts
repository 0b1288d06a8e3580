import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase } from './client.ts';
import { createTestDatabase } from '../test/helpers/database.ts';

const TABLES = [
  'msp',
  'app_user',
  'session',
  'api_token',
  'setup_token',
  'tenant',
  'collector_checkpoint',
  'activity',
  'activity_quarantine',
  'security_event',
  'event_entity',
  'event_activity',
  'whitelist_rule',
  'trigger',
  'trigger_action',
  'delivery',
  'psa_connection',
  'psa_ticket',
  'remediation_request',
  'audit_log',
  'custom_detection',
  'recovery_code',
  'pending_sign_in',
];

describe(`migrations (${process.env.DATABASE_URL ? 'Postgres server' : 'PGlite'})`, () => {
  let handle: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    handle = await createTestDatabase();
  });
  afterAll(() => handle.drop());
  // Both drivers answer `{ rows }`; Drizzle's shared type does not say so.
  const rows = async <T>(query: SQL) => (await handle.database.db.execute(query)) as unknown as { rows: T[] };

  test('create every table of the data model', async () => {
    const result = await rows<{ table_name: string }>(sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`);
    const names = result.rows.map((r) => r.table_name);
    for (const table of TABLES) expect(names).toContain(table);
  });

  test('are idempotent: applying them again changes nothing', async () => {
    await handle.database.migrate();
    const result = await rows<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    expect(result.rows[0]!.n).toBeGreaterThan(0);
    await handle.database.migrate();
    const again = await rows<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    expect(again.rows[0]!.n).toBe(result.rows[0]!.n);
  });

  test.runIf(process.env.DATABASE_URL)('several processes migrating at once are serialised', async () => {
    const { createPostgresDatabase, dropPostgresDatabase } = await import('../test/helpers/database.ts');
    const base = process.env.DATABASE_URL!;
    const url = await createPostgresDatabase(base);
    const dbs = await Promise.all([1, 2, 3].map(() => openDatabase({ databaseUrl: url, poolSize: 2 })));
    try {
      await Promise.all(dbs.map((d) => d.migrate()));
      const result = (await dbs[0]!.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)) as unknown as { rows: { n: number }[] };
      expect(result.rows[0]!.n).toBeGreaterThan(0);
    } finally {
      await Promise.all(dbs.map((d) => d.close()));
      await dropPostgresDatabase(base, url);
    }
  });
});
