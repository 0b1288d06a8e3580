import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPostgresDatabase, dropPostgresDatabase, TEST_SECRET_KEY } from './helpers/database.ts';
import { freePort, startServer } from './helpers/process.ts';

/**
 * The built-in demo as a newcomer meets it: `tenantwatch start` on a fresh install, with no
 * setting about the demo, creates the owner through the setup link and within minutes watches
 * "Contoso (demo)", collected from the simulator inside the same process. TW_DEMO=off removes it.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'tw-demo-'));
let env: Record<string, string>;
let databaseUrl: string | undefined;

beforeAll(async () => {
  env = { TW_DATA_DIR: dataDir, TW_SECRET_KEY: TEST_SECRET_KEY, TW_LOG_LEVEL: 'info', TW_SHUTDOWN_GRACE_SECONDS: '5', DATABASE_URL: '' };
  if (process.env.DATABASE_URL) {
    databaseUrl = await createPostgresDatabase(process.env.DATABASE_URL);
    env.DATABASE_URL = databaseUrl;
  }
});
afterAll(async () => {
  if (databaseUrl) await dropPostgresDatabase(process.env.DATABASE_URL!, databaseUrl);
  rmSync(dataDir, { recursive: true, force: true });
});

type Tenant = {
  id: string;
  name: string;
  isDemo: boolean;
  status: string;
  collectors: { source: string; lastSuccessAt: string | null; lastError: string | null }[];
};

async function signUp(base: string, link: string): Promise<{ cookie: string }> {
  const res = await fetch(`${base}/api/v1/setup/${link.split('/').pop()}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Newcomer', email: 'newcomer@northwind.example', password: 'a long enough passphrase', mspName: 'Northwind IT' }),
  });
  expect(res.status).toBe(200);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return { cookie };
}

describe('the demo tenant', () => {
  test('a fresh install watches "Contoso (demo)", collected from the in-process simulator', async () => {
    const port = await freePort();
    const server = await startServer({ ...env, PORT: String(port) }, /(http:\/\/localhost:\d+\/setup\/[\w-]{43})/);
    try {
      expect(server.output()).toMatch(/"msg":"demo: watching a simulated tenant/);
      const base = `http://127.0.0.1:${port}`;
      const { cookie } = await signUp(base, server.match[1]!);
      const tenants = async () => ((await (await fetch(`${base}/api/v1/tenants`, { headers: { cookie } })).json()) as { items: Tenant[] }).items;

      // The first owner's MSP is the one the demo tenant is in, under the owner's company name.
      const [demo] = await tenants();
      expect(demo).toMatchObject({ name: 'Contoso (demo)', isDemo: true });
      const me = (await (await fetch(`${base}/api/v1/auth/session`, { headers: { cookie } })).json()) as { msp: { name: string } };
      expect(me.msp.name).toBe('Northwind IT');

      // The same MSP has a ConnectWise sandbox, served in this process, ready to test and map.
      const psa = (await (await fetch(`${base}/api/v1/psa/connectwise`, { headers: { cookie } })).json()) as { configured: boolean; isDemo: boolean };
      expect(psa).toMatchObject({ configured: true, isDemo: true });
      const suggestions = (await (await fetch(`${base}/api/v1/psa/connectwise/company-suggestions`, { headers: { cookie } })).json()) as {
        items: { tenantName: string; suggestion: { companyName: string } | null }[];
      };
      expect(suggestions.items).toEqual([
        expect.objectContaining({ tenantName: 'Contoso (demo)', suggestion: expect.objectContaining({ companyName: 'Contoso Ltd' }) }),
      ]);

      // The scheduler's first pass (each minute) collects every source of the demo tenant.
      const detail = async () => (await (await fetch(`${base}/api/v1/tenants/${demo!.id}`, { headers: { cookie } })).json()) as Tenant;
      await expect
        .poll(async () => (await detail()).collectors.filter((c) => c.lastSuccessAt !== null).length, { timeout: 150_000, interval: 2_000 })
        .toBeGreaterThanOrEqual(9);
      const collected = await detail();
      expect(collected.status).toBe('active');
      expect(collected.collectors.map((c) => c.lastError).filter(Boolean)).toEqual([]);

      // Detection follows collection: the story's events are on the Report, labelled as demo.
      type Page = { items: { detectionId: string; tenantName: string; tenantIsDemo: boolean }[] };
      const events = async () => ((await (await fetch(`${base}/api/v1/events?limit=200`, { headers: { cookie } })).json()) as Page).items;
      await expect
        .poll(async () => (await events()).map((e) => e.detectionId), { timeout: 60_000, interval: 2_000 })
        .toEqual(expect.arrayContaining(['M365.AzureAD.PasswordSpray', 'M365.Exchange.InboxRuleExternalForwarding']));
      expect((await events()).every((e) => e.tenantIsDemo && e.tenantName === 'Contoso (demo)')).toBe(true);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
  }, 240_000);

  test('TW_DEMO=off removes the demo tenant and what was recorded about it', async () => {
    const port = await freePort();
    const server = await startServer({ ...env, PORT: String(port), TW_DEMO: 'off' }, /"msg":"Tenantwatch is listening"/);
    try {
      expect(server.output()).toMatch(/"msg":"TW_DEMO is off: removed the demo tenant/);
      const base = `http://127.0.0.1:${port}`;
      const signIn = await fetch(`${base}/api/v1/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: base },
        body: JSON.stringify({ email: 'newcomer@northwind.example', password: 'a long enough passphrase' }),
      });
      expect(signIn.status).toBe(200);
      const cookie = signIn.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const body = (await (await fetch(`${base}/api/v1/tenants`, { headers: { cookie } })).json()) as { items: Tenant[] };
      expect(body.items).toEqual([]);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
  }, 120_000);
});
