import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPostgresDatabase, dropPostgresDatabase, TEST_SECRET_KEY } from '../helpers/database.ts';
import { freePort, startServer } from '../helpers/process.ts';

/**
 * The demo belongs to the installation's first MSP. An MSP that signs up later sees none of it
 * (tenants, events, users), and its own tenants do not pause the first MSP's demo; only a tenant
 * of the first MSP's own does. The demo is decided at start, so each step restarts the product.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'tw-demo-scope-'));
let env: Record<string, string>;
let databaseUrl: string | undefined;

beforeAll(async () => {
  env = { TW_DATA_DIR: dataDir, TW_SECRET_KEY: TEST_SECRET_KEY, TW_LOG_LEVEL: 'info', TW_SHUTDOWN_GRACE_SECONDS: '5', TW_SIGNUP: 'open', DATABASE_URL: '' };
  if (process.env.DATABASE_URL) {
    databaseUrl = await createPostgresDatabase(process.env.DATABASE_URL);
    env.DATABASE_URL = databaseUrl;
  }
});
afterAll(async () => {
  if (databaseUrl) await dropPostgresDatabase(process.env.DATABASE_URL!, databaseUrl);
  rmSync(dataDir, { recursive: true, force: true });
});

type Session = { cookie: string; csrf: string; email: string };
type Tenant = { id: string; name: string; isDemo: boolean; status: string };

async function session(res: Response, email: string): Promise<Session> {
  expect(res.status, await res.clone().text()).toBe(200);
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return {
    cookie: res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; '),
    csrf: csrfToken,
    email,
  };
}

function client(base: string) {
  const get = async <T>(path: string, who: Session) => {
    const res = await fetch(`${base}${path}`, { headers: { cookie: who.cookie } });
    expect(res.status, path).toBe(200);
    return ((await res.json()) as { items: T[] }).items;
  };
  const post = (path: string, body: unknown, who?: Session) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(who ? { cookie: who.cookie, 'x-csrf-token': who.csrf } : {}) },
      body: JSON.stringify(body),
    });
  return { get, post };
}

const LISTENING = /"msg":"Tenantwatch is listening"/;
/** A start takes seconds, but minutes on a busy machine. */
const START_TIMEOUT = 180_000;
const password = 'a long enough passphrase';

describe('the demo belongs to one MSP', () => {
  test("a signed-up MSP sees none of the demo, and its tenants do not pause the first MSP's demo; the first MSP's own tenant does", async () => {
    let first: Session;
    let second: Session;
    let demoId: string;

    // 1. Fresh install: the first owner takes over the demo's MSP; the demo raises events there.
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const { get, post } = client(base);
    let server = await startServer({ ...env, PORT: String(port) }, /(http:\/\/localhost:\d+\/setup\/[\w-]{43})/, START_TIMEOUT);
    try {
      const token = server.match[1]!.split('/').pop();
      first = await session(
        await post(`/api/v1/setup/${token}`, { name: 'First', email: 'owner@northwind.example', password, mspName: 'Northwind IT' }),
        'owner@northwind.example',
      );
      const [demo] = await get<Tenant>('/api/v1/tenants', first);
      expect(demo).toMatchObject({ name: 'Contoso (demo)', isDemo: true });
      demoId = demo!.id;
      await expect.poll(async () => (await get('/api/v1/events?limit=5', first)).length, { timeout: 240_000, interval: 3_000 }).toBeGreaterThan(0);

      // 2. A second MSP signs up: nothing of the first MSP's is in its lists, and the reverse.
      second = await session(
        await post('/api/v1/signup', { mspName: 'Fabrikam IT', name: 'Second', email: 'owner@fabrikam.example', password }),
        'owner@fabrikam.example',
      );
      expect(await get('/api/v1/tenants', second)).toEqual([]);
      expect(await get('/api/v1/events?limit=200&status=all', second)).toEqual([]);
      expect((await get<{ email: string }>('/api/v1/users', second)).map((u) => u.email)).toEqual(['owner@fabrikam.example']);
      expect((await get<{ email: string }>('/api/v1/users', first)).map((u) => u.email)).toEqual(['owner@northwind.example']);
      expect((await fetch(`${base}/api/v1/tenants/${demoId}`, { headers: { cookie: second.cookie } })).status).toBe(404);

      // The second MSP adds a tenant of its own.
      const own = await post(
        '/api/v1/tenants',
        {
          name: 'Fabrikam customer',
          tenantGuid: '0f3c9a52-6d1e-4c1b-9b7a-5e2d8c4f1a10',
          primaryDomain: 'customer.fabrikam.example',
          auth: { mode: 'secret', clientId: '11111111-2222-4333-8444-555555555555', clientSecret: 'customer app secret' },
        },
        second,
      );
      expect(own.status, await own.clone().text()).toBe(201);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }

    // 3. Next start: the first MSP's demo still runs.
    server = await startServer({ ...env, PORT: String(port) }, LISTENING, START_TIMEOUT);
    try {
      expect(server.output()).toMatch(/"msg":"demo: watching a simulated tenant/);
      expect(server.output()).not.toContain('demo paused');
      expect((await get<Tenant>('/api/v1/tenants', first)).find((t) => t.id === demoId)).toMatchObject({ isDemo: true, status: 'active' });
      expect((await get<Tenant>('/api/v1/tenants', second)).map((t) => t.name)).toEqual(['Fabrikam customer']);

      // The first MSP adds a tenant of its own.
      const own = await post(
        '/api/v1/tenants',
        {
          name: 'Northwind customer',
          tenantGuid: '7a1e2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b',
          primaryDomain: 'customer.northwind.example',
          auth: { mode: 'secret', clientId: '11111111-2222-4333-8444-555555555555', clientSecret: 'customer app secret' },
        },
        first,
      );
      expect(own.status, await own.clone().text()).toBe(201);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }

    // 4. Next start: now the demo pauses, for the first MSP only.
    server = await startServer({ ...env, PORT: String(port) }, LISTENING, START_TIMEOUT);
    try {
      expect(server.output()).toMatch(/"msg":"demo paused: your own tenants are being watched/);
      expect((await get<Tenant>('/api/v1/tenants', first)).find((t) => t.id === demoId)).toMatchObject({ status: 'disabled' });
      expect((await get<Tenant>('/api/v1/tenants', second)).map((t) => t.name)).toEqual(['Fabrikam customer']);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
  }, 900_000);
});
