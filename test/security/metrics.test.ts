import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../services/config.ts';
import { call, createTestApp } from '../helpers/app.ts';
import { createPostgresDatabase, dropPostgresDatabase, TEST_SECRET_KEY } from '../helpers/database.ts';
import { freePort, startServer } from '../helpers/process.ts';

/**
 * /metrics counts sign-ins and setups of every MSP, so it is never public: off by default (404),
 * behind TW_METRICS_TOKEN on the application's port, or on a port of its own (TW_METRICS_PORT,
 * loopback) that the application's port does not share.
 */
const TOKEN = 'a-metrics-token-of-some-length';

describe('/metrics on the application port', () => {
  test('is off by default: 404, even after sign-ins', async () => {
    const t = await createTestApp();
    try {
      await call(t.app, 'POST', '/api/v1/auth/sign-in', { body: { email: 'nobody@northwind.example', password: 'wrong password' } });
      const res = await call(t.app, 'GET', '/metrics');
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('tenantwatch_');
    } finally {
      await t.drop();
    }
  });

  test('with TW_METRICS_TOKEN, answers only the bearer of that token', async () => {
    const t = await createTestApp({ TW_METRICS_TOKEN: TOKEN });
    try {
      expect((await call(t.app, 'GET', '/metrics')).status).toBe(401);
      expect((await call(t.app, 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
      const session = await call(t.app, 'GET', '/metrics', { headers: { cookie: 'tw_session=whatever' } });
      expect(session.status).toBe(401);
      expect(await session.text()).not.toContain('tenantwatch_');
      const res = await call(t.app, 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('tenantwatch_http_requests_total');
    } finally {
      await t.drop();
    }
  });

  test('a token too short to resist guessing stops start-up', () => {
    expect(() => loadConfig({ TW_METRICS_TOKEN: 'short' })).toThrow(
      'TW_METRICS_TOKEN: expected at least 16 characters (openssl rand -hex 32) (got "<hidden>")',
    );
  });
});

describe('TW_METRICS_PORT', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tw-metrics-'));
  let databaseUrl: string | undefined;
  beforeAll(async () => {
    if (process.env.DATABASE_URL) databaseUrl = await createPostgresDatabase(process.env.DATABASE_URL);
  });
  afterAll(async () => {
    if (databaseUrl) await dropPostgresDatabase(process.env.DATABASE_URL!, databaseUrl);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('serves the metrics on their own loopback listener, and not on the application port', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const env = {
      TW_DATA_DIR: dataDir,
      TW_SECRET_KEY: TEST_SECRET_KEY,
      TW_LOG_LEVEL: 'info',
      TW_DEMO: 'off',
      TW_SHUTDOWN_GRACE_SECONDS: '5',
      DATABASE_URL: databaseUrl ?? '',
      PORT: String(port),
      TW_METRICS_PORT: String(metricsPort),
    };
    // Starting takes seconds, but minutes on a busy machine.
    const server = await startServer(env, /"msg":"metrics are served"/, 180_000);
    try {
      expect(server.output()).toContain(`"url":"http://127.0.0.1:${metricsPort}/metrics"`);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const app = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(app.status).toBe(404);
      expect(await app.text()).not.toContain('tenantwatch_');

      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toMatch(/tenantwatch_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1/);
      // Nothing else of the product on that port.
      expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/api/v1/tenants`)).status).toBe(404);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
  }, 300_000);
});
