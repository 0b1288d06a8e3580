import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { openDatabase } from '../db/client.ts';
import { auditLog, securityEvent, tenant } from '../db/schema/index.ts';
import { createPostgresDatabase, dropPostgresDatabase, TEST_SECRET_KEY } from './helpers/database.ts';
import { freePort, runCli, startServer } from './helpers/process.ts';

/**
 * The product as a person runs it: `tenantwatch start` in its own process over real HTTP, the
 * first-owner setup link, a graceful stop on SIGTERM, and the CLI commands on the same data.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'tw-cli-'));
let env: Record<string, string>;
let databaseUrl: string | undefined;

beforeAll(async () => {
  env = {
    TW_DATA_DIR: dataDir,
    TW_SECRET_KEY: TEST_SECRET_KEY,
    TW_LOG_LEVEL: 'info',
    TW_SHUTDOWN_GRACE_SECONDS: '5',
    TW_DEMO: 'off',
    TW_METRICS_TOKEN: 'metrics-token-for-this-test',
  };
  if (process.env.DATABASE_URL) {
    databaseUrl = await createPostgresDatabase(process.env.DATABASE_URL);
    env.DATABASE_URL = databaseUrl;
  } else {
    env.DATABASE_URL = '';
  }
});
afterAll(async () => {
  if (databaseUrl) await dropPostgresDatabase(process.env.DATABASE_URL!, databaseUrl);
  rmSync(dataDir, { recursive: true, force: true });
});

const ownerEmail = 'owner@northwind.example';
const ownerPassword = 'a very long owner passphrase';
let apiToken = '';

describe('tenantwatch start', () => {
  test('a bad setting stops start-up with one clear line', async () => {
    const result = await runCli(['start'], { ...env, PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('tenantwatch: Invalid configuration: PORT: expected a port number (got "eighty")');
  });

  test('serves the API, prints the setup link, and stops gracefully on SIGTERM', async () => {
    const port = await freePort();
    const server = await startServer({ ...env, PORT: String(port) }, /(http:\/\/localhost:\d+\/setup\/[\w-]{43})/);
    try {
      const base = `http://127.0.0.1:${port}`;
      const link = server.match[1]!;
      expect(link.startsWith(`http://localhost:${port}/setup/`)).toBe(true);

      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', checks: { database: 'ok', queue: 'ok', collectors: 'ok', deliveries: 'ok' }, problems: [] });

      // The API reference is for signed-in users (TW_API_REFERENCE=public opens it; test/security/headers.test.ts).
      expect((await fetch(`${base}/api/openapi.json`)).status).toBe(401);
      expect((await fetch(`${base}/api/reference`)).status).toBe(401);

      const token = link.split('/').pop();
      const setup = await fetch(`${base}/api/v1/setup/${token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Owner', email: ownerEmail, password: ownerPassword, mspName: 'Northwind IT' }),
      });
      expect(setup.status).toBe(200);
      expect(setup.headers.get('x-request-id')).toMatch(/^[\w-]+$/);

      const signIn = await fetch(`${base}/api/v1/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: ownerEmail, password: ownerPassword }),
      });
      expect(signIn.status).toBe(200);
      const session = { cookie: (signIn.headers.get('set-cookie') ?? '').split(';')[0]! };
      const doc = (await (await fetch(`${base}/api/openapi.json`, { headers: session })).json()) as { openapi: string; paths: Record<string, unknown> };
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toContain('/api/v1/tenants/{id}');
      const reference = await fetch(`${base}/api/reference`, { headers: session });
      expect(await reference.text()).toContain('/api/reference/swagger-ui-bundle.js');
      expect((await fetch(`${base}/api/reference/swagger-ui-bundle.js`, { headers: session })).status).toBe(200);

      const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${env.TW_METRICS_TOKEN}` } })).text();
      expect(metrics).toMatch(/tenantwatch_http_requests_total\{method="POST",route="\/api\/v1\/setup\/:token",status="200"\} 1/);
      expect(metrics).toContain('tenantwatch_process_resident_memory_bytes');
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
    expect(server.output()).toContain('"msg":"stopped"');
    // JSON logs, one object per line, with request ids.
    const requestLine = server
      .output()
      .split('\n')
      .find((l) => l.includes('"route":"/healthz"'));
    expect(JSON.parse(requestLine!)).toMatchObject({ level: 30, requestId: expect.any(String), status: 200 });
  }, 120_000);
});

describe('tenantwatch CLI', () => {
  test('--help on each command', async () => {
    for (const args of [
      ['--help'],
      ['user', 'create', '--help'],
      ['token', 'create', '--help'],
      ['tenant', 'add', '--help'],
      ['tenant', 'list', '--help'],
      ['migrate', '--help'],
    ]) {
      const result = await runCli(args, env);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toMatch(/^Usage: tenantwatch/);
    }
  }, 180_000);

  test('user create prints a one-time setup link; a duplicate is one clear line and exit 1', async () => {
    const created = await runCli(['user', 'create', '--email', 'tech@northwind.example', '--role', 'technician'], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/\/setup\/[\w-]{43}\n$/);
    const again = await runCli(['user', 'create', '--email', 'tech@northwind.example', '--role', 'technician'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('tenantwatch: A user with the email tech@northwind.example already exists.\n');
    const badRole = await runCli(['user', 'create', '--email', 'x@northwind.example', '--role', 'god'], env);
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toContain('expected owner, admin, technician or read-only');
  }, 180_000);

  test('rules list prints the built-in detections', async () => {
    const result = await runCli(['rules', 'list'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ID\s+SEVERITY\s+MITRE\s+TITLE$/m);
    expect(result.stdout).toMatch(/^M365\.Exchange\.InboxRuleExternalForwarding\s+high\s+TA0009:T1114\.003/m);
    for (const id of [
      'M365.AzureAD.DistributedPasswordSpray',
      'M365.AzureAD.AttackToolSignIn',
      'M365.Exchange.ApplicationImpersonationGranted',
      'M365.Exchange.AuditRetentionLowered',
      'M365.AzureAD.AppRegistered',
      'M365.SharePoint.ExternalSharing',
      'M365.Compliance.DlpPolicyRemoved',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^${id.replace(/\./g, '\\.')}\\s`, 'm'));
    }
  }, 30_000);

  test('token create prints the token once, on stdout', async () => {
    const result = await runCli(['token', 'create', '--email', ownerEmail, '--name', 'PSA sync'], env);
    expect(result.code).toBe(0);
    apiToken = result.stdout.trim();
    expect(apiToken).toMatch(/^tw_[\w-]{43}$/);
    const unknown = await runCli(['token', 'create', '--email', 'nobody@northwind.example', '--name', 'x'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('tenantwatch: No user with the email nobody@northwind.example.\n');
  }, 60_000);

  test('tenant add and tenant list', async () => {
    const added = await runCli(
      ['tenant', 'add', '--tenant-id', '6babcaad-604b-40ac-a9d7-9fd97c0b779f', '--name', 'Contoso Ltd', '--domain', 'contoso.com'],
      env,
    );
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^Added Contoso Ltd \(6babcaad-604b-40ac-a9d7-9fd97c0b779f\)/);
    const bad = await runCli(['tenant', 'add', '--tenant-id', 'contoso', '--name', 'X', '--domain', 'contoso.com'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('tenantwatch: tenantGuid: expected the Microsoft 365 tenant id, a GUID\n');
    const list = await runCli(['tenant', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      /NAME\s+TENANT ID\s+DOMAIN\s+AUTH\s+STATUS\nContoso Ltd\s+6babcaad-604b-40ac-a9d7-9fd97c0b779f\s+contoso.com\s+consent\s+pending/,
    );
  }, 180_000);

  test('import reads an audit export into a tenant, idempotently', async () => {
    const file = join(dataDir, 'export.jsonl');
    const record = (n: number) => ({
      Id: `7d1c0b2a-0000-4000-8000-${String(n).padStart(12, '0')}`,
      CreationTime: '2026-11-20T08:00:00',
      Operation: 'UserLoggedIn',
      RecordType: 15,
      Workload: 'AzureActiveDirectory',
      UserId: 'adele@contoso.com',
      ClientIP: '203.0.113.5',
    });
    writeFileSync(file, [1, 2, 3].map((n) => JSON.stringify(record(n))).join('\n') + '\nnot json\n');
    const first = await runCli(['import', file, '--tenant', 'contoso.com'], env);
    expect(first.stderr).toBe('');
    // The good records are kept; the exit status says something was quarantined.
    expect(first.code).toBe(1);
    expect(first.stdout.split('\n')).toEqual([
      `Imported 3 records into Contoso Ltd from ${file} (json-lines): 0 already stored, 1 quarantined.`,
      'Quarantined (kept with the reason, not imported):',
      expect.stringMatching(/^ {2}line 4: line is not valid JSON: /),
      'Detection: 3 records examined, 0 events raised, 0 events updated.',
      '',
    ]);
    writeFileSync(file, [1, 2, 3].map((n) => JSON.stringify(record(n))).join('\n'));
    const again = await runCli(['import', file, '--tenant', '6babcaad-604b-40ac-a9d7-9fd97c0b779f'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Imported 0 records into Contoso Ltd');
    expect(again.stdout).toContain('3 already stored, 0 quarantined');
    // Each import is in the audit log: who (the command line), which tenant and file, the counts.
    const database = await openDatabase(databaseUrl ? { databaseUrl } : { dataDir });
    try {
      const entries = await database.db.select().from(auditLog).where(eq(auditLog.action, 'tenant.import')).orderBy(auditLog.createdAt);
      expect(entries.map((e) => [e.actorType, e.details])).toEqual([
        ['system', expect.objectContaining({ fileName: 'export.jsonl', status: 'done', read: 4, imported: 3, quarantined: 1, duplicates: 0 })],
        ['system', expect.objectContaining({ fileName: 'export.jsonl', status: 'done', read: 3, imported: 0, quarantined: 0, duplicates: 3 })],
      ]);
    } finally {
      await database.close();
    }
    const unknown = await runCli(['import', file, '--tenant', 'fabrikam.com'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^tenantwatch: No tenant matches "fabrikam.com"/);
    const missing = await runCli(['import', join(dataDir, 'nope.csv'), '--tenant', 'contoso.com'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`tenantwatch: file not found: ${join(dataDir, 'nope.csv')}\n`);
  }, 180_000);

  test('rules test shows the events an expression matches, and where an expression is wrong', async () => {
    // One event, written the way detection stores it (no server holds the database now).
    const database = await openDatabase(databaseUrl ? { databaseUrl } : { dataDir });
    try {
      const [t] = await database.db.select().from(tenant).where(eq(tenant.primaryDomain, 'contoso.com'));
      await database.db.insert(securityEvent).values({
        mspId: t!.mspId,
        tenantId: t!.id,
        detectionId: 'M365.Exchange.InboxRuleExternalForwarding',
        title: 'Inbox rule forwards mail outside the organisation',
        description: 'test',
        severity: 'high',
        userName: 'adele@contoso.com',
        eventType: 'InboxRuleCreated',
        dedupKey: 'adele@contoso.com',
        firstSeenAt: new Date(),
        lastSeenAt: new Date(),
      });
    } finally {
      await database.close();
    }
    const match = await runCli(['rules', 'test', "Event.UserName = 'ADELE@contoso.com' AND Event.Severity >= 'high'", '--tenant', 'contoso.com'], env);
    expect(match.code).toBe(0);
    expect(match.stdout).toMatch(/^1 events of Contoso Ltd match\.\n/);
    expect(match.stdout).toMatch(/M365\.Exchange\.InboxRuleExternalForwarding\s+adele@contoso\.com\s+open/);
    const none = await runCli(['rules', 'test', "Event.UserName = 'megan@contoso.com'", '--tenant', 'contoso.com', '--since', '1d'], env);
    expect(none.stdout).toBe('0 events of Contoso Ltd match.\n');
    const bad = await runCli(['rules', 'test', 'Event.UserName = AND', '--tenant', 'contoso.com'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^tenantwatch: expected a value after '=', found 'AND' at 1:18\n/);
    expect(bad.stderr).toContain('^');
  }, 180_000);

  test('the API accepts the CLI-made token as a bearer token', async () => {
    const port = await freePort();
    const server = await startServer({ ...env, PORT: String(port) }, /Tenantwatch is listening/);
    try {
      // The owner exists now, so no setup link is printed any more.
      expect(server.output()).not.toContain('/setup/');
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/tenants`, { headers: { authorization: `Bearer ${apiToken}` } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { items: { name: string }[] };
      expect(body.items.map((t) => t.name)).toEqual(['Contoso Ltd']);
    } finally {
      expect(await server.stop('SIGINT')).toBe(0);
    }
  }, 120_000);
});
