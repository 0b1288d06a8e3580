import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { acquireDataDirLock, lockPath } from '../db/data-dir-lock.ts';
import { becScenario, collectorConsent } from '../services/sim/m365/scenarios/index.ts';
import { COLLECTOR_APP_ID } from './helpers/m365-sim.ts';
import { createPostgresDatabase, dropPostgresDatabase, TEST_SECRET_KEY } from './helpers/database.ts';
import { freePort, runCli, startServer } from './helpers/process.ts';

/**
 * One process owns a PGlite data dir. While `tenantwatch start` runs, CLI commands on the same
 * data dir run inside it (its control socket) and their writes are the server's; a second start
 * refuses; a crash leaves a lock the next start takes over, and the jobs it left running are
 * retried at once.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'tw-owner-'));
const onPglite = !process.env.DATABASE_URL;
let env: Record<string, string>;
let databaseUrl: string | undefined;

beforeAll(async () => {
  env = { TW_DATA_DIR: dataDir, TW_SECRET_KEY: TEST_SECRET_KEY, TW_LOG_LEVEL: 'info', TW_SHUTDOWN_GRACE_SECONDS: '5', TW_DEMO: 'off' };
  if (process.env.DATABASE_URL) {
    databaseUrl = await createPostgresDatabase(process.env.DATABASE_URL);
    env.DATABASE_URL = databaseUrl;
  } else {
    env.DATABASE_URL = '';
  }
});
afterAll(async () => {
  await server?.stop('SIGKILL');
  if (databaseUrl) await dropPostgresDatabase(process.env.DATABASE_URL!, databaseUrl);
  rmSync(dataDir, { recursive: true, force: true });
});

let server: Awaited<ReturnType<typeof startServer>> | undefined;
let base = '';
let apiToken = '';
let contosoId = '';
const scenario = becScenario({ consents: [collectorConsent(COLLECTOR_APP_ID)] });
const becFile = join(dataDir, 'bec-audit.json');
writeFileSync(becFile, JSON.stringify((scenario.audit ?? []).map((a) => a.record)));

async function start() {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = await startServer({ ...env, PORT: String(port) }, /control socket ready/);
  return server;
}

const api = (path: string, init: RequestInit = {}) =>
  fetch(base + path, { ...init, headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json', ...init.headers } });

async function eventsOf(tenantId: string): Promise<{ detectionId: string }[]> {
  const res = await api(`/api/v1/events?tenant=${tenantId}&status=all&limit=200`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: { detectionId: string }[] }).items;
}

/** Waits for `check` to hold; fails after `ms`. */
async function waitFor<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(!onPglite)('while tenantwatch start owns the data dir', () => {
  test('a second start refuses in one line; the first keeps running', async () => {
    const first = await start();
    const link = first.output().match(/\/setup\/([\w-]{43})/)![1];
    const setup = await fetch(`${base}/api/v1/setup/${link}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Owner', email: 'owner@northwind.example', password: 'a very long owner passphrase', mspName: 'Northwind IT' }),
    });
    expect(setup.status).toBe(200);

    const pid = first.child.pid!;
    // Only the data dir's owner reaches the control socket.
    const { socketPath } = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as { socketPath: string };
    expect(socketPath).toBe(join(dataDir, 'run', 'control.sock'));
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'run')).mode & 0o777).toBe(0o700);
    const second = await runCli(['start'], { ...env, PORT: String(await freePort()) });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(
        `^tenantwatch: Tenantwatch is already running on ${dataDir} \\(pid ${pid}, started \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\); stop it first\\.\\n$`,
      ),
    );
    expect(second.stdout).toBe('');
    expect(first.child.exitCode).toBeNull();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  }, 180_000);

  test('user create prints a setup link the running server accepts', async () => {
    const created = await runCli(['user', 'create', '--email', 'tech@northwind.example', '--role', 'technician'], env);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const token = created.stdout.match(/\/setup\/([\w-]{43})\n$/)![1];
    const invite = await fetch(`${base}/api/v1/setup/${token}`);
    expect(invite.status).toBe(200);
    expect(await invite.json()).toMatchObject({ kind: 'invite', email: 'tech@northwind.example' });
    const redeem = await fetch(`${base}/api/v1/setup/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Tech', password: 'another long passphrase here' }),
    });
    expect(redeem.status).toBe(200);
    // Errors from the server's run of a command are the same one line and exit code.
    const again = await runCli(['user', 'create', '--email', 'tech@northwind.example', '--role', 'technician'], env);
    expect(again).toMatchObject({ code: 1, stdout: '', stderr: 'tenantwatch: A user with the email tech@northwind.example already exists.\n' });
  }, 120_000);

  test('token create, tenant add and import run in the server: the API shows the events at once, and they survive a stop and a start', async () => {
    const token = await runCli(['token', 'create', '--email', 'owner@northwind.example', '--name', 'tests'], env);
    expect(token.code, token.stderr).toBe(0);
    apiToken = token.stdout.trim();
    const added = await runCli(['tenant', 'add', '--tenant-id', scenario.tenantId, '--name', 'Contoso Ltd', '--domain', 'contoso.com'], env);
    expect(added.code, added.stderr).toBe(0);
    contosoId = added.stdout.match(/id ([0-9a-f-]{36})/)![1]!;
    expect(await eventsOf(contosoId)).toEqual([]);

    const imported = await runCli(['import', becFile, '--tenant', 'contoso.com'], env);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(new RegExp(`^Imported \\d+ records into Contoso Ltd from ${becFile} \\(json-array\\)`));
    const raised = Number(imported.stdout.match(/(\d+) events raised/)![1]);
    expect(raised).toBeGreaterThan(3);
    expect(await eventsOf(contosoId)).toHaveLength(raised);
    expect(imported.stdout).toMatch(/Enrichment: \d+ events queued for the workers\./);

    expect(await server!.stop('SIGTERM')).toBe(0);
    const restarted = await start();
    expect(restarted.output()).not.toContain('Aborted');
    expect(await eventsOf(contosoId)).toHaveLength(raised);
  }, 240_000);

  test('killed with SIGKILL, the server leaves a lock the next start takes over; its data is intact', async () => {
    const before = (await eventsOf(contosoId)).length;
    expect(await server!.stop('SIGKILL')).toBeNull();
    expect(JSON.parse(readFileSync(lockPath(dataDir), 'utf8'))).toMatchObject({ command: 'start' });
    const next = await start();
    expect(JSON.parse(readFileSync(lockPath(dataDir), 'utf8'))).toMatchObject({ pid: next.child.pid, command: 'start' });
    expect(await eventsOf(contosoId)).toHaveLength(before);
    expect(await server!.stop('SIGTERM')).toBe(0);
  }, 180_000);

  test('a detection job a crash left active is retried within a minute of the next start', async () => {
    // The server is stopped: the tenant is added by the CLI on the data dir itself.
    const added = await runCli(['tenant', 'add', '--tenant-id', '0f4c1a3e-2b5d-4e6f-8a7b-9c0d1e2f3a4b', '--name', 'Fabrikam', '--domain', 'fabrikam.com'], env);
    expect(added.code, added.stderr).toBe(0);
    const fabrikamId = added.stdout.match(/id ([0-9a-f-]{36})/)![1]!;

    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./helpers/orphan-job-child.ts', import.meta.url))], {
      env: { ...process.env, CHILD_DATA_DIR: dataDir, CHILD_FILE: becFile, CHILD_TENANT_DOMAIN: 'fabrikam.com' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => ((out += d.toString()), /active [1-9]/.test(out) && resolve())));
    child.kill('SIGKILL');
    await once(child, 'exit');

    const restarted = await start();
    const startedAt = Date.now();
    expect(restarted.output()).toContain('jobs left running by a crash were returned to their queues to be retried');
    // The job's expiry is 15 minutes and the sweep waits 10: only the retry at start-up is this quick.
    const events = await waitFor('the orphaned detection job to raise its events', 60_000, async () => {
      const items = await eventsOf(fabrikamId);
      return items.length > 0 ? items : undefined;
    });
    expect(Date.now() - startedAt).toBeLessThan(60_000);
    expect(events.map((e) => e.detectionId)).toContain('M365.Exchange.InboxRuleExternalForwarding');
    expect(await server!.stop('SIGTERM')).toBe(0);
  }, 240_000);

  test('a command while another command holds the data dir refuses in one line', async () => {
    const lock = acquireDataDirLock(dataDir, 'import');
    try {
      const message = new RegExp(
        `^tenantwatch: The data dir ${dataDir} is in use by \`tenantwatch import\` \\(pid ${process.pid}, started [\\d: -]+ UTC\\); try again when it has finished\\.\\n$`,
      );
      const list = await runCli(['tenant', 'list'], env);
      expect(list.code).toBe(1);
      expect(list.stderr).toMatch(message);
      const startAttempt = await runCli(['start'], { ...env, PORT: String(await freePort()) });
      expect(startAttempt.code).toBe(1);
      expect(startAttempt.stderr).toMatch(message);
    } finally {
      lock.release();
    }
    expect((await runCli(['tenant', 'list'], env)).code).toBe(0);
  }, 120_000);
});

describe('--msp', () => {
  test('an unknown MSP id or a malformed one is one line and a non-zero exit', async () => {
    const unknown = await runCli(['tenant', 'list', '--msp', '9d3b2c1a-0000-4000-8000-000000000000'], env);
    expect(unknown).toMatchObject({ code: 1, stdout: '', stderr: 'tenantwatch: --msp: no MSP has the id 9d3b2c1a-0000-4000-8000-000000000000.\n' });
    const created = await runCli(['user', 'create', '--email', 'x@northwind.example', '--role', 'admin', '--msp', '9d3b2c1a-0000-4000-8000-000000000000'], env);
    expect(created).toMatchObject({ code: 1, stdout: '', stderr: 'tenantwatch: --msp: no MSP has the id 9d3b2c1a-0000-4000-8000-000000000000.\n' });
    const malformed = await runCli(['tenant', 'list', '--msp', 'not-a-uuid'], env);
    expect(malformed).toMatchObject({ code: 1, stdout: '', stderr: 'tenantwatch: --msp: expected an MSP id (a UUID), got "not-a-uuid"\n' });
  }, 120_000);
});
