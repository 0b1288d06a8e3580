import { AsyncLocalStorage } from 'node:async_hooks';
import { openDatabase, type Database } from '../../../../db/client.ts';
import type { Hyperdrive } from './types.ts';

/**
 * Connections per request. Hyperdrive pools the real connections to Postgres, so a client per
 * request is cheap; a few (rather than one) let a transaction and a query beside it both
 * proceed. Workers allow six open connections per invocation.
 */
const CONNECTIONS_PER_REQUEST = 5;

/**
 * Opens the database through Hyperdrive for one request or one scheduled run. Workers forbid
 * using a socket opened by another request, so nothing here outlives the invocation: close it
 * with `ctx.waitUntil(database.close())`. Migrations are not run here (see wrangler.toml).
 */
export function openHyperdriveDatabase(hyperdrive: Hyperdrive): Promise<Database> {
  return openDatabase({ databaseUrl: hyperdrive.connectionString, poolSize: CONNECTIONS_PER_REQUEST });
}

const current = new AsyncLocalStorage<Database>();

function active(): Database {
  const database = current.getStore();
  if (!database) throw new Error('no database for this request: call through runWithDatabase');
  return database;
}

/**
 * The `database` the Worker's app is built with (once per isolate): every call goes to the
 * database of the request being served, which `runWithDatabase` provides.
 */
export const requestDatabase: Database = {
  kind: 'postgres',
  get db() {
    return active().db;
  },
  get boss() {
    return active().boss;
  },
  dataDirLock: null,
  ping: () => active().ping(),
  migrate: () => Promise.reject(new Error('migrations are not run on Workers: run `tenantwatch migrate` from a Node machine')),
  // Deliveries are sent by Node workers; a Worker writes the outbox and its NOTIFY wakes them.
  listen: () => Promise.reject(new Error('the outbox sender does not run on Workers')),
  close: () => Promise.resolve(),
};

/** Runs `fn` (the app's handling of one request) with `database` as `requestDatabase`. */
export function runWithDatabase<T>(database: Database, fn: () => T): T {
  return current.run(database, fn);
}
