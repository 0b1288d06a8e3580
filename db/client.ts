import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import * as schema from './schema/index.ts';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';

type Schema = typeof schema;
/** The Drizzle database, whichever driver is underneath. */
export type Db = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Code that works inside or outside a transaction takes this. */
export type DbOrTx = Db | Tx;

/** What pg-boss needs to run its SQL on our connection (its `db` option). */
export type BossDb = { executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> };

export type Database = {
  kind: 'pglite' | 'postgres';
  db: Db;
  /** For pg-boss: on Postgres, its own pool from the URL; on PGlite, the one embedded connection. */
  boss: { connectionString: string } | { db: BossDb };
  /** PGlite on a data dir: this process's hold on it, released by `close`. */
  dataDirLock: DataDirLock | null;
  /** Round trip to the database, for /healthz. */
  ping(): Promise<void>;
  /** Applies the committed migrations (idempotent; serialised across processes on Postgres). */
  migrate(): Promise<void>;
  /**
   * Postgres LISTEN: `onNotify` runs for each NOTIFY on the channel after the notifying
   * transaction commits. Returns the unlisten. On Postgres one dedicated connection listens (and
   * listens again after a drop, calling `onNotify` once so nothing sent meanwhile waits).
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
};

/**
 * Where the committed migrations live. Resolved when migrating, not on import: bundles (the
 * Cloudflare Worker) have no file URL for this module, and never migrate.
 */
export function migrationsDir(): string {
  return fileURLToPath(new URL('./migrations', import.meta.url));
}

/** Arbitrary constant: serialises migrations when several processes start at once. */
const MIGRATION_LOCK_ID = 727_072_026;

export type OpenOptions = {
  /** Postgres URL; when absent, PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite files live in `<dataDir>/pglite`; `memory://` keeps them in memory (tests). */
  dataDir?: string;
  /** Connections in the pool (Postgres only). */
  poolSize?: number;
  /** What holds a PGlite data dir, shown to anyone else who tries to open it (`start`, `import`…). */
  command?: string;
};

/**
 * Opens the database: PGlite under the data dir by default, a Postgres server when a URL is
 * given. Same schema and migrations on both.
 * @example const database = await openDatabase({ dataDir: "./data" }); await database.migrate();
 */
export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10);
  return openPglite(options.dataDir ?? './data', options.command ?? 'tenantwatch');
}

/** A data dir belongs to one process at a time (data-dir-lock.ts): opening one takes it, or fails naming its owner. */
async function openPglite(dataDir: string, command: string): Promise<Database> {
  let path: string | undefined;
  let lock: DataDirLock | null = null;
  if (dataDir !== 'memory://') {
    lock = acquireDataDirLock(dataDir, command);
    path = join(dataDir, 'pglite');
    mkdirSync(path, { recursive: true });
  }
  let client: PGlite;
  try {
    // pg_trgm ships with PGlite as a contrib module: loaded here, created by the migrations as on Postgres.
    client = await PGlite.create(path, { extensions: { pg_trgm } });
  } catch (err) {
    lock?.release();
    throw err;
  }
  const db: Db = drizzlePglite(client, { schema });
  return {
    kind: 'pglite',
    db,
    boss: {
      db: {
        async executeSql(text, values) {
          // PGlite's `query` runs one statement with parameters; pg-boss also sends
          // parameterless scripts of several statements, which only `exec` accepts.
          if (values && values.length > 0) return client.query(text, values);
          const results = await client.exec(text);
          return { rows: results.at(-1)?.rows ?? [] };
        },
      },
    },
    async ping() {
      await client.query('select 1');
    },
    async migrate() {
      await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder: migrationsDir() });
    },
    dataDirLock: lock,
    async listen(channel, onNotify) {
      return client.listen(channel, () => onNotify());
    },
    async close() {
      try {
        if (!client.closed) await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: 'tenantwatch' });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const db: Db = drizzlePg(pool, { schema });
  return {
    kind: 'postgres',
    db,
    boss: { connectionString: url },
    dataDirLock: null,
    async ping() {
      await pool.query('select 1');
    },
    async migrate() {
      // One dedicated connection holds the advisory lock while the migrator runs on it.
      const conn = await pool.connect();
      try {
        await conn.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
        await migratePg(drizzlePg(conn, { schema }), { migrationsFolder: migrationsDir() });
      } finally {
        await conn.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => {});
        conn.release();
      }
    },
    async listen(channel, onNotify) {
      let stopped = false;
      let conn: pg.Client | null = null;
      const connect = async (): Promise<void> => {
        const client = new pg.Client({ connectionString: url, application_name: 'tenantwatch-listen' });
        client.on('notification', (n) => {
          if (n.channel === channel) onNotify();
        });
        client.on('error', () => {
          if (stopped) return;
          conn = null;
          void client.end().catch(() => {});
          setTimeout(() => void connect().then(onNotify, () => {}), 1000).unref();
        });
        await client.connect();
        await client.query(`listen ${pg.escapeIdentifier(channel)}`);
        conn = client;
      };
      await connect();
      return async () => {
        stopped = true;
        await conn?.end().catch(() => {});
      };
    },
    async close() {
      if (!pool.ended) await pool.end();
    },
  };
}

export { schema };
