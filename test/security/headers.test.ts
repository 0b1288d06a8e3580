import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Registry } from 'prom-client';
import { createNodeApp } from '../../services/api/node.ts';
import { loadConfig } from '../../services/config.ts';
import { createLogger } from '../../services/log.ts';
import { call, createTestApp, type Member, secrets, seedMsp, signInCookie } from '../helpers/app.ts';
import { TEST_SECRET_KEY } from '../helpers/database.ts';
import { ensureWebBuild, WEB_BUILD } from '../helpers/browser.ts';
import { recordCounts } from '../helpers/coverage-counts.ts';

/**
 * The headers every answer carries, on the API, the web app's pages and its static files: a
 * Content-Security-Policy that lets no other site frame us and no inline script run, nosniff,
 * a Referrer-Policy, no-store on authenticated JSON, no CORS, and the API reference and
 * /metrics closed unless configured open.
 */
let t: Awaited<ReturnType<typeof createTestApp>>;
let owner: Member;
let session: { cookie: string; csrf: string };
let requests = 0;
let checks = 0;

beforeAll(async () => {
  ensureWebBuild();
  t = await createTestApp({}, { webRoot: WEB_BUILD });
  owner = await seedMsp(t.database, 'owner');
  session = await signInCookie(t.app, owner);
}, 300_000);
afterAll(async () => {
  await t?.drop();
  recordCounts('headers', { requests, headerChecks: checks });
});

const get = (path: string, options: Parameters<typeof call>[3] = {}) => {
  requests++;
  return call(t.app, 'GET', path, options);
};

/** Parses a Content-Security-Policy into its directives. */
function directives(policy: string | null): Map<string, string[]> {
  expect(policy, 'a Content-Security-Policy').toBeTruthy();
  return new Map(
    policy!
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name!.toLowerCase(), values]),
  );
}

/** What every answer carries, whatever it is. */
function expectCommonHeaders(res: Response) {
  const csp = directives(res.headers.get('content-security-policy'));
  expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('same-origin');
  expect(res.headers.get('access-control-allow-origin')).toBeNull();
  expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  checks += 6;
  return csp;
}

/** No script from anywhere but our own files (or hashed ones), never inline, never eval. */
function expectNoInlineScript(csp: Map<string, string[]>) {
  const scripts = csp.get('script-src') ?? csp.get('default-src') ?? [];
  expect(scripts.length).toBeGreaterThan(0);
  expect(scripts).not.toContain("'unsafe-inline'");
  expect(scripts).not.toContain("'unsafe-eval'");
  expect(scripts.filter((s) => s === '*' || /^https?:$/.test(s) || s === 'data:')).toEqual([]);
  checks += 4;
}

describe('the API', () => {
  test.each([
    ['a list by token', '/api/v1/tenants', 'token'],
    ['the session by cookie', '/api/v1/auth/session', 'cookie'],
    ['the CSV export', '/api/v1/events/export.csv', 'token'],
    ['a chart', '/api/v1/events/summary', 'token'],
    ['an error', '/api/v1/tenants/00000000-0000-4000-8000-000000000000', 'token'],
    ['without credentials', '/api/v1/tenants', 'none'],
  ] as const)('%s: headers, no-store, and a policy that runs nothing', async (_, path, auth) => {
    const res = await get(path, auth === 'token' ? { token: owner.token } : auth === 'cookie' ? session : {});
    const csp = expectCommonHeaders(res);
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expectNoInlineScript(csp);
    expect(res.headers.get('cache-control')).toBe('no-store');
    checks += 2;
  });

  test('the event stream: headers and no-store', async () => {
    const res = await get('/api/v1/events/stream', { token: owner.token });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await res.body?.cancel();
    expectCommonHeaders(res);
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    checks += 1;
  });

  test('no CORS: a preflight and a cross-site read get no Access-Control-Allow-* headers', async () => {
    requests++;
    const preflight = await call(t.app, 'OPTIONS', '/api/v1/tenants', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    for (const name of ['access-control-allow-origin', 'access-control-allow-methods', 'access-control-allow-headers', 'access-control-allow-credentials']) {
      expect(preflight.headers.get(name), name).toBeNull();
      checks++;
    }
    const read = await get('/api/v1/tenants', { token: owner.token, headers: { origin: 'https://evil.example' } });
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    checks++;
    // A cookie-authenticated write from another origin is refused outright (CSRF).
    requests++;
    const write = await call(t.app, 'POST', '/api/v1/tenant-groups', { ...session, body: { name: 'x' }, headers: { origin: 'https://evil.example' } });
    expect(write.status).toBe(403);
    checks++;
  });

  test('/healthz carries the headers too', async () => {
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expectCommonHeaders(res);
  });
});

describe('the web app', () => {
  test.each(['/', '/events/00000000-0000-4000-8000-000000000000', '/signin', '/no-such-page'])(
    '%s: the page policy by header, hashed scripts only by its <meta> policy, not cached',
    async (path) => {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const header = expectCommonHeaders(res);
      expect(header.get('object-src')).toEqual(["'none'"]);
      expect(header.get('base-uri')).toEqual(["'none'"]);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const html = await res.text();
      const meta = /<meta http-equiv="content-security-policy" content="([^"]+)"/i.exec(html)?.[1];
      const policy = directives(meta ?? null);
      expectNoInlineScript(policy);
      expect((policy.get('script-src') ?? []).some((s) => s.startsWith("'sha256-"))).toBe(true);
      // Every inline script in the page is one the policy names by hash.
      const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
      const { createHash } = await import('node:crypto');
      for (const code of inline) expect(policy.get('script-src')).toContain(`'sha256-${createHash('sha256').update(code).digest('base64')}'`);
      checks += 5 + inline.length;
    },
  );

  test('static files: nosniff, a policy that runs nothing, cached as immutable', async () => {
    const html = await (await get('/')).text();
    const assets = [...html.matchAll(/(?:href|src)="(\/_app\/immutable\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets.slice(0, 3)) {
      const res = await get(asset);
      expect(res.status).toBe(200);
      const csp = expectCommonHeaders(res);
      expect(csp.get('default-src')).toEqual(["'none'"]);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      checks += 2;
      await res.body?.cancel();
    }
  });
});

describe('what is not public unless configured', () => {
  test('the API reference and its document need a session or a token', async () => {
    for (const path of ['/api/openapi.json', '/api/reference', '/api/reference/init.js', '/api/reference/swagger-ui-bundle.js']) {
      const anonymous = await get(path);
      expect(anonymous.status, path).toBe(401);
      expect(await anonymous.json()).toMatchObject({ error: { code: 'unauthenticated' } });
      checks += 2;
    }
    const doc = await get('/api/openapi.json', { token: owner.token });
    expect(doc.status).toBe(200);
    expect(doc.headers.get('cache-control')).toBe('no-store');
    expect(((await doc.json()) as { openapi: string }).openapi).toBe('3.1.0');
    const page = await get('/api/reference', session);
    expect(page.status).toBe(200);
    const csp = expectCommonHeaders(page);
    expectNoInlineScript(csp);
    expect(await page.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    checks += 4;
  });

  test('TW_API_REFERENCE=public opens the reference to anyone', async () => {
    const config = loadConfig({ TW_SECRET_KEY: TEST_SECRET_KEY, TW_LOG_LEVEL: 'silent', TW_API_REFERENCE: 'public' });
    const open = createNodeApp({ config, database: t.database, secrets, log: createLogger(config), metrics: new Registry() });
    requests += 2;
    expect((await call(open, 'GET', '/api/openapi.json')).status).toBe(200);
    expect((await call(open, 'GET', '/api/reference')).status).toBe(200);
    checks += 2;
  });

  test('/metrics answers 404 without TW_METRICS_TOKEN or TW_METRICS_PORT (test/security/metrics.test.ts checks both)', async () => {
    const res = await get('/metrics');
    expect(res.status).toBe(404);
    expectCommonHeaders(res);
  });
});
