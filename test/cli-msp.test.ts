import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase, type Database } from '../db/client.ts';
import { createNodeApp } from '../services/api/node.ts';
import { loadConfig } from '../services/config.ts';
import { createLogger } from '../services/log.ts';
import { call, secrets, seedMsp } from './helpers/app.ts';
import { createPostgresDatabase, dropPostgresDatabase, TEST_SECRET_KEY } from './helpers/database.ts';
import { runCli } from './helpers/process.ts';

/**
 * The operator's commands over MSPs: `tenantwatch msp invite` prints a one-time sign-up link (as
 * TW_SIGNUP allows), the new MSP signs up with it over the API, and `tenantwatch msp list` shows
 * every MSP with its owner.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'tw-cli-msp-'));
let env: Record<string, string>;
let databaseUrl: string | undefined;

beforeAll(async () => {
  env = { TW_DATA_DIR: dataDir, TW_SECRET_KEY: TEST_SECRET_KEY, TW_LOG_LEVEL: 'silent', TW_DEMO: 'off', DATABASE_URL: '' };
  if (process.env.DATABASE_URL) {
    databaseUrl = await createPostgresDatabase(process.env.DATABASE_URL);
    env.DATABASE_URL = databaseUrl;
  }
});
afterAll(async () => {
  if (databaseUrl) await dropPostgresDatabase(process.env.DATABASE_URL!, databaseUrl);
  rmSync(dataDir, { recursive: true, force: true });
});

/** The same database as the CLI's, opened in this process between commands. */
async function withSameDatabase<T>(fn: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase({ databaseUrl: databaseUrl, dataDir, poolSize: 2 });
  try {
    await database.migrate();
    return await fn(database);
  } finally {
    await database.close();
  }
}

describe('tenantwatch msp', () => {
  test('invite waits for the first owner, is refused while sign-up is closed, and its link works once', async () => {
    const early = await runCli(['msp', 'invite'], env);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/^tenantwatch: This installation is not set up yet/);

    const first = await withSameDatabase((database) => seedMsp(database, 'owner', 'Northwind IT'));

    const closed = await runCli(['msp', 'invite'], { ...env, TW_SIGNUP: 'closed' });
    expect(closed.code).toBe(1);
    expect(closed.stderr).toBe('tenantwatch: Sign-up of new MSPs is closed on this installation. Set TW_SIGNUP=invite to invite MSPs.\n');

    const invited = await runCli(['msp', 'invite', '--name', 'Fabrikam IT'], env);
    expect(invited.code, invited.stderr).toBe(0);
    expect(invited.stderr).toMatch(/one-time sign-up link .*valid 7 days/);
    const link = invited.stdout.trim();
    expect(link).toMatch(/^http:\/\/localhost:8787\/signup\/[\w-]{43}$/);

    await withSameDatabase(async (database) => {
      const config = loadConfig({ ...env, DATABASE_URL: databaseUrl });
      const app = createNodeApp({ config, database, secrets, log: createLogger(config), metrics: new Registry() });
      const path = `/api/v1/signup/${link.split('/').pop()}`;
      expect(await (await call(app, 'GET', path)).json()).toEqual({ mspName: 'Fabrikam IT' });
      const body = { mspName: 'Fabrikam IT', name: 'Fabrikam Owner', email: 'owner@fabrikam.example', password: 'a long enough passphrase' };
      expect((await call(app, 'POST', path, { body })).status).toBe(200);
      expect((await call(app, 'POST', path, { body: { ...body, email: 'other@fabrikam.example' } })).status).toBe(404);
    });

    const list = await runCli(['msp', 'list'], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+ID\s+OWNER\s+USERS\s+TENANTS\s+CREATED$/m);
    expect(list.stdout).toMatch(new RegExp(`^Northwind IT\\s+${first.mspId}\\s+${first.email}\\s+1\\s+0\\s+\\d{4}-\\d\\d-\\d\\d$`, 'm'));
    expect(list.stdout).toMatch(/^Fabrikam IT\s+[\w-]{36}\s+owner@fabrikam\.example\s+1\s+0\s+/m);
    const json = JSON.parse((await runCli(['msp', 'list', '--json'], env)).stdout) as { name: string; owner: string }[];
    expect(json.map((m) => [m.name, m.owner])).toEqual([
      ['Northwind IT', first.email],
      ['Fabrikam IT', 'owner@fabrikam.example'],
    ]);
  }, 300_000);
});
