import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openDatabase } from '../db/client.ts';
import { auditLog, tenant } from '../db/schema/index.ts';
import { startM365Simulator, type M365Simulator } from '../services/sim/m365/index.ts';
import { becScenario, collectorConsent, CONTOSO, FABRIKAM } from '../services/sim/m365/scenarios/index.ts';
import { COLLECTOR_APP_ID, COLLECTOR_SECRET, collectorApp } from './helpers/m365-sim.ts';
import { simulatorTls } from '../services/sim/m365/tls.ts';
import { createPostgresDatabase, dropPostgresDatabase, TEST_SECRET_KEY } from './helpers/database.ts';
import { freePort, runCli, startServer } from './helpers/process.ts';

/**
 * Onboarding and collection from the command line, against the simulator over HTTPS (the child
 * processes trust its certificate through NODE_EXTRA_CA_CERTS, as a deployment would).
 */
const dataDir = mkdtempSync(join(tmpdir(), 'tw-cli-collect-'));
let sim: M365Simulator;
let env: Record<string, string>;
let databaseUrl: string | undefined;

beforeAll(async () => {
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  sim = await startM365Simulator({
    tls: simulatorTls(),
    apps: [collectorApp()],
    tenants: [becScenario({ consents: [collectorConsent(COLLECTOR_APP_ID)], users: 10, day: yesterday })],
  });
  env = {
    TW_DATA_DIR: dataDir,
    TW_SECRET_KEY: TEST_SECRET_KEY,
    TW_LOG_LEVEL: 'warn',
    TW_LOGIN_URL: sim.url,
    TW_GRAPH_URL: sim.url,
    TW_MANAGEMENT_URL: sim.url,
    DATABASE_URL: '',
    TW_DEMO: 'off',
  };
  if (process.env.DATABASE_URL) {
    databaseUrl = await createPostgresDatabase(process.env.DATABASE_URL);
    env.DATABASE_URL = databaseUrl;
  }
  // An MSP and owner, through the first-owner setup link of a first start.
  const port = await freePort();
  const server = await startServer({ ...env, PORT: String(port) }, /(http:\/\/localhost:\d+\/setup\/[\w-]{43})/);
  const token = server.match[1]!.split('/').pop();
  const setup = await fetch(`http://127.0.0.1:${port}/api/v1/setup/${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Owner', email: 'owner@northwind.example', password: 'a long owner passphrase', mspName: 'Northwind IT' }),
  });
  expect(setup.status).toBe(200);
  expect(await server.stop()).toBe(0);
}, 120_000);

afterAll(async () => {
  await sim.close();
  if (databaseUrl) await dropPostgresDatabase(process.env.DATABASE_URL!, databaseUrl);
  rmSync(dataDir, { recursive: true, force: true });
});

test('tenant add, verify, collect and status from the CLI', async () => {
  const added = await runCli(
    ['tenant', 'add', '--tenant-id', CONTOSO.tenantId, '--name', 'Contoso', '--domain', 'contoso.com', '--client-id', COLLECTOR_APP_ID],
    { ...env, TW_CLIENT_SECRET: COLLECTOR_SECRET },
  );
  expect(added.stderr).toBe('');
  expect(added.code).toBe(0);

  const verified = await runCli(['tenant', 'verify', '--tenant', 'contoso.com'], env);
  expect(verified.stdout).toContain('Contoso: signed in');
  expect(verified.stdout).toContain('granted  ActivityFeed.Read');
  expect(verified.stdout).toContain('audit subscription Audit.Exchange: enabled');
  expect(verified.code).toBe(0);

  // The command leaves the same audit entry as the API's check: the installation itself, the tenant, the outcome.
  const database = await openDatabase(databaseUrl ? { databaseUrl, poolSize: 2 } : { dataDir, command: 'test' });
  try {
    const [contoso] = await database.db.select({ id: tenant.id }).from(tenant).where(eq(tenant.tenantGuid, CONTOSO.tenantId));
    const entries = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'tenant.verify'), eq(auditLog.targetId, contoso!.id)));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actorType: 'system', actorId: null, targetType: 'tenant', details: { status: 'active', missing: [] } });
  } finally {
    await database.close();
  }

  const collected = await runCli(['collect', '--tenant', 'Contoso', '--since', '2d'], env);
  expect(collected.code).toBe(0);
  expect(collected.stdout).toMatch(/^graph\.signIns: \d+ new records/m);
  const inserted = [...collected.stdout.matchAll(/: (\d+) new records/g)].reduce((n, m) => n + Number(m[1]), 0);
  expect(inserted).toBeGreaterThan(100);

  const again = await runCli(['collect', '--tenant', 'Contoso'], env);
  expect([...again.stdout.matchAll(/: (\d+) new records/g)].every((m) => m[1] === '0')).toBe(true);

  const status = await runCli(['tenant', 'status', '--tenant', 'contoso.com'], env);
  expect(status.code).toBe(0);
  expect(status.stdout).toMatch(/Contoso \(.*\): active/);
  expect(status.stdout).toMatch(/Audit\.Exchange\s+0 min ago/);

  const bad = await runCli(['collect', '--tenant', 'Contoso', '--since', 'yesterday'], env);
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toContain('expected an age such as 7d, 12h or 30m');
}, 180_000);

test('a tenant without the permissions is told what is missing and what stops working', async () => {
  const scenario = {
    ...becScenario({ consents: [{ appId: COLLECTOR_APP_ID, roles: { graph: ['AuditLog.Read.All'] } }], users: 3 }),
    tenantId: FABRIKAM.tenantId,
  };
  const other = await startM365Simulator({ tls: simulatorTls(), apps: [collectorApp()], tenants: [scenario] });
  try {
    const e = { ...env, TW_LOGIN_URL: other.url, TW_GRAPH_URL: other.url, TW_MANAGEMENT_URL: other.url };
    const added = await runCli(
      ['tenant', 'add', '--tenant-id', FABRIKAM.tenantId, '--name', 'Fabrikam', '--domain', 'fabrikam.com', '--client-id', COLLECTOR_APP_ID],
      {
        ...e,
        TW_CLIENT_SECRET: COLLECTOR_SECRET,
      },
    );
    expect(added.code).toBe(0);
    const verified = await runCli(['tenant', 'verify', '--tenant', 'Fabrikam'], e);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toContain('Fabrikam: signed in');
    expect(verified.stdout).toContain('granted  AuditLog.Read.All');
    expect(verified.stdout).toContain('MISSING  ActivityFeed.Read (Office 365 Management APIs): no unified audit log');
    expect(verified.stdout).toContain('MISSING  Directory.Read.All (Microsoft Graph): users, roles and apps cannot be looked up');
    expect(verified.stdout).not.toContain('audit subscription');
  } finally {
    await other.close();
  }
}, 120_000);
