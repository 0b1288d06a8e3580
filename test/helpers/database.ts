import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../db/client.ts';

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or a new database
 * on the Postgres server named by DATABASE_URL (dropped again by `drop`). Same tests, both engines.
 */
export async function createTestDatabase(): Promise<{ database: Database; url: string | undefined; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const database = await openDatabase({ dataDir: 'memory://' });
    await database.migrate();
    return { database, url: undefined, drop: () => database.close() };
  }
  const url = await createPostgresDatabase(base);
  const database = await openDatabase({ databaseUrl: url, poolSize: 4 });
  await database.migrate();
  return {
    database,
    url,
    async drop() {
      await database.close();
      await dropPostgresDatabase(base, url);
    },
  };
}

/** Creates an empty database next to the one in `baseUrl`; returns its URL. */
export async function createPostgresDatabase(baseUrl: string): Promise<string> {
  const name = `tw_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropPostgresDatabase(baseUrl: string, url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!/^tw_test_[0-9a-f]+$/.test(name)) throw new Error(`refusing to drop ${name}`);
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}

export const TEST_SECRET_KEY = 'a'.repeat(64);
