import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from 'wrangler';
import { openDatabase, type Database } from '../db/client.ts';
import { session } from '../db/schema/index.ts';
import { createSession } from '../services/core/auth/sessions.ts';
import { JOBS } from '../services/worker/jobs.ts';
import { sampleTenant, seedMsp, type Member } from './helpers/app.ts';
import { createPostgresDatabase, dropPostgresDatabase, TEST_SECRET_KEY } from './helpers/database.ts';

/**
 * The Cloudflare Worker (services/api/edge/index.ts, wrangler.toml) as it would be deployed: bundled
 * by `wrangler deploy --dry-run`, run in workerd by Miniflare with the bindings wrangler.toml
 * declares, Hyperdrive pointed at a fresh database on the Postgres server, and called over HTTP.
 * Workers have no PGlite, so this runs only when DATABASE_URL names a Postgres server.
 */

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const WRANGLER_TOML = join(ROOT, 'wrangler.toml');
const WEB_BUILD = join(ROOT, 'web/build');
/** wrangler's scratch folder; removed afterwards when this test created it. */
const WRANGLER_SCRATCH = join(ROOT, '.wrangler');
const run = promisify(execFile);
const base = process.env.DATABASE_URL;
const METRICS_TOKEN = 'metrics-token-for-the-worker-test';

/** Hyperdrive refuses a connection string without a password; the test server does not check it. */
function withPassword(url: string): string {
  const u = new URL(url);
  if (!u.password) u.password = 'unused';
  return u.toString();
}

/** The web app, built if missing; false when it does not build (the SPA checks are then skipped). */
async function ensureWebBuild(): Promise<boolean> {
  if (existsSync(join(WEB_BUILD, '200.html'))) return true;
  try {
    await run(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'web', '--logLevel', 'error'], { cwd: ROOT, timeout: 150_000 });
  } catch (err) {
    console.warn(`web/build is missing and \`vite build web\` failed, so the single-page-app checks are skipped:\n${String(err).slice(0, 2000)}`);
  }
  return existsSync(join(WEB_BUILD, '200.html'));
}

describe.skipIf(!base)('the Cloudflare Worker in workerd (Hyperdrive to Postgres)', () => {
  let databaseUrl: string;
  let database: Database;
  let mf: Miniflare;
  let url: URL;
  let outDir: string;
  let emptyAssets: string | undefined;
  let webBuilt = false;
  let scratchExisted = true;
  let a: Member;
  let b: Member;

  const call = (path: string, init: RequestInit & { token?: string } = {}) => {
    const { token, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    if (typeof rest.body === 'string') headers.set('content-type', 'application/json');
    return fetch(new URL(path, url), { ...rest, headers });
  };

  beforeAll(async () => {
    databaseUrl = await createPostgresDatabase(base!);
    database = await openDatabase({ databaseUrl, poolSize: 2 });
    // Workers never migrate: a Node process does, as in production.
    await database.migrate();
    a = await seedMsp(database);
    b = await seedMsp(database);

    webBuilt = await ensureWebBuild();
    const assetsArgs: string[] = [];
    if (!webBuilt) {
      // wrangler refuses a missing assets directory; an empty one keeps the rest testable.
      emptyAssets = mkdtempSync(join(tmpdir(), 'tw-assets-'));
      assetsArgs.push('--assets', emptyAssets);
    }

    scratchExisted = existsSync(WRANGLER_SCRATCH);
    // The deployable bundle, exactly as `wrangler deploy` would upload it (nothing is sent).
    outDir = mkdtempSync(join(tmpdir(), 'tw-worker-'));
    await run(
      process.execPath,
      [join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--outdir', outDir, '--config', WRANGLER_TOML, ...assetsArgs],
      {
        cwd: ROOT,
        timeout: 90_000,
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
      },
    );

    mf = startWorker({ TW_SECRET_KEY: TEST_SECRET_KEY, TW_METRICS_TOKEN: METRICS_TOKEN });
    url = await mf.ready;
  }, 240_000);

  /** The bundle in workerd, configured from wrangler.toml (bindings, assets routing, compatibility). */
  function startWorker(secrets: Record<string, string>): Miniflare {
    const { workerOptions } = unstable_getMiniflareWorkerOptions(
      WRANGLER_TOML,
      undefined,
      emptyAssets ? { overrides: { assets: { directory: emptyAssets } } } : undefined,
    );
    const textModules = readdirSync(outDir).filter((file) => /swagger-ui(\.css|-bundle\.js)$/.test(file));
    return new Miniflare({
      ...(workerOptions as object),
      name: 'tenantwatch',
      modulesRoot: outDir,
      modules: [{ type: 'ESModule', path: join(outDir, 'index.js') }, ...textModules.map((file) => ({ type: 'Text' as const, path: join(outDir, file) }))],
      modulesRules: [],
      hyperdrives: { HYPERDRIVE: withPassword(databaseUrl) },
      bindings: { ...workerOptions.bindings, ...secrets, TW_LOG_LEVEL: 'warn' },
      host: '127.0.0.1',
      port: 0,
      // A placeholder Request.cf: never fetch the real one from Cloudflare.
      cf: false,
    } as ConstructorParameters<typeof Miniflare>[0]);
  }

  afterAll(async () => {
    await mf?.dispose();
    await database?.close();
    if (databaseUrl) await dropPostgresDatabase(base!, databaseUrl);
    if (outDir) rmSync(outDir, { recursive: true, force: true });
    if (emptyAssets) rmSync(emptyAssets, { recursive: true, force: true });
    if (!scratchExisted) rmSync(WRANGLER_SCRATCH, { recursive: true, force: true });
  });

  it('bundles without Node-only native code', () => {
    const bundle = readFileSync(join(outDir, 'index.js'), 'utf8');
    // @node-rs/argon2 loads a platform-specific .node addon; wrangler.toml swaps in the Worker's module.
    expect(bundle).not.toMatch(/@node-rs\/argon2-linux|\.node['"]\)/);
    expect(bundle).not.toContain('pg-boss');
  });

  it('answers /healthz: the database through Hyperdrive, and no queue on Workers', async () => {
    const res = await call('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', checks: { database: 'ok', queue: 'not running', collectors: 'ok', deliveries: 'ok' }, problems: [] });
  });

  it('serves the OpenAPI document and the API reference', async () => {
    const doc = await call('/api/openapi.json', { token: a.token });
    expect(doc.status).toBe(200);
    const body = (await doc.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toContain('/api/v1/tenants');

    const page = await call('/api/reference', { token: a.token });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger-ui-bundle.js');
    const script = await call('/api/reference/swagger-ui-bundle.js', { token: a.token });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await script.text()).length).toBeGreaterThan(100_000);
    const css = await call('/api/reference/swagger-ui.css', { token: a.token });
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
  });

  it('lists, creates and reads tenants with a bearer token, scoped to the MSP', async () => {
    const empty = await call('/api/v1/tenants', { token: a.token });
    expect(empty.status).toBe(200);
    expect(await empty.json()).toEqual({ items: [], nextCursor: null });

    const created = await call('/api/v1/tenants', { method: 'POST', token: a.token, body: JSON.stringify(sampleTenant(1)) });
    expect(created.status).toBe(201);
    const tenant = (await created.json()) as { id: string; name: string };
    expect(tenant.name).toBe('Contoso 1');

    const listed = await call('/api/v1/tenants', { token: a.token });
    expect(((await listed.json()) as { items: { id: string }[] }).items.map((t) => t.id)).toEqual([tenant.id]);
    expect((await call(`/api/v1/tenants/${tenant.id}`, { token: a.token })).status).toBe(200);

    // Another MSP's token: the tenant does not exist for it.
    const foreign = await call(`/api/v1/tenants/${tenant.id}`, { token: b.token });
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect(await (await call('/api/v1/tenants', { token: b.token })).json()).toEqual({ items: [], nextCursor: null });
  });

  it('refuses a bad token with 401', async () => {
    const res = await call('/api/v1/tenants', { token: 'tw_not-a-real-token' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
  });

  it('answers unknown routes with the JSON error shape', async () => {
    const res = await call('/api/v1/no-such-thing', { token: a.token });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error).toEqual({ code: 'not_found', message: expect.stringContaining('/api/v1/no-such-thing'), requestId: expect.any(String) });
    expect(res.headers.get('x-request-id')).toBe(body.error.requestId);

    const post = await call('/no-such-page', { method: 'POST' });
    expect(post.status).toBe(404);
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('signs in with a password hashed on Node (argon2id in plain JavaScript on Workers), and signs out with the CSRF token', async () => {
    const wrong = await call('/api/v1/auth/sign-in', { method: 'POST', body: JSON.stringify({ email: a.email, password: 'not the password' }) });
    expect(wrong.status).toBe(401);
    const res = await call('/api/v1/auth/sign-in', { method: 'POST', body: JSON.stringify({ email: a.email, password: a.password }) });
    expect(res.status).toBe(200);
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie).toMatch(/^tw_session=/);
    const session = await call('/api/v1/auth/session', { headers: { cookie } });
    expect(session.status).toBe(200);
    const out = await call('/api/v1/auth/sign-out', { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(out.status).toBe(204);
  }, 30_000);

  it('counts requests in /metrics, for the holder of the metrics token only', async () => {
    expect((await call('/metrics')).status).toBe(401);
    const res = await call('/metrics', { token: METRICS_TOKEN });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('tenantwatch_http_requests_total');
  });

  it('serves the web app from static assets, with deep links answered by the single-page app', async (ctx) => {
    if (!webBuilt) ctx.skip(true, 'web/build does not exist and `vite build web` failed: the web app is not testable on Workers yet');
    const robots = await call('/robots.txt');
    expect(robots.status).toBe(200);
    const deepLink = await call('/tenants/00000000-0000-4000-8000-000000000001', { headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate' } });
    expect(deepLink.status).toBe(200);
    expect(deepLink.headers.get('content-type')).toMatch(/text\/html/);
    expect((await deepLink.text()).toLowerCase()).toContain('<!doctype html>');
    // A browser revalidating its cached shell hears "not modified", not "not found".
    const etag = deepLink.headers.get('etag');
    expect(etag).toBeTruthy();
    expect((await call('/events/42', { headers: { accept: 'text/html', 'if-none-match': etag! } })).status).toBe(304);
    const root = await call('/', { headers: { accept: 'text/html' } });
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('answers 503 with a clear code, without crashing, when a required secret is missing', async () => {
    const bare = startWorker({});
    try {
      const res = await fetch(new URL('/healthz', await bare.ready));
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('misconfigured');
      expect(body.error.message).not.toContain(TEST_SECRET_KEY);
    } finally {
      await bare.dispose();
    }
  });

  it('has a Cron Trigger for every scheduled job, and no other', () => {
    const { triggers } = unstable_readConfig({ config: WRANGLER_TOML });
    const schedules = Object.values(JOBS).flatMap((job) => (job.schedule ? [job.schedule] : []));
    expect(new Set(triggers.crons)).toEqual(new Set(schedules));
  });

  it('runs the scheduled maintenance jobs from the Cron Trigger', async () => {
    const expired = await createSession(database.db, a.userId, a.mspId, { hours: 1 });
    const live = await createSession(database.db, a.userId, a.mspId, { hours: 1 });
    const count = async () => (await database.db.select({ id: session.tokenHash }).from(session).where(eq(session.userId, a.userId))).length;
    await database.db
      .update(session)
      .set({ expiresAt: new Date(Date.now() - 60_000) })
      .where(eq(session.csrfToken, expired.csrfToken));
    expect(await count()).toBe(2);

    // Miniflare's own types for this lean on @cloudflare/workers-types, which is not installed.
    const worker = (await mf.getWorker()) as unknown as {
      scheduled(options: { cron?: string; scheduledTime?: Date }): Promise<{ outcome: string; noRetry: boolean }>;
    };
    const result = await worker.scheduled({ cron: JOBS['maintenance.purge-sessions'].schedule, scheduledTime: new Date() });
    expect(result.outcome).toBe('ok');
    const left = await database.db.select({ csrf: session.csrfToken }).from(session).where(eq(session.userId, a.userId));
    expect(left.map((s) => s.csrf)).toEqual([live.csrfToken]);
  });
});
