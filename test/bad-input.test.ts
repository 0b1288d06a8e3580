import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, createTestApp, type Member, sampleTenant, seedMsp } from './helpers/app.ts';

let t: Awaited<ReturnType<typeof createTestApp>>;
let admin: Member;
beforeAll(async () => {
  t = await createTestApp({ TW_MAX_BODY_BYTES: '4096' });
  admin = await seedMsp(t.database, 'admin');
});
afterAll(() => t.drop());

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error.requestId).toMatch(/^[\w-]+$/);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+|node_modules/);
  return body;
}

describe('bad input gets a clear 4xx in the error shape', () => {
  test('unknown API route', async () => {
    await expectError(await call(t.app, 'GET', '/api/v1/does-not-exist', { token: admin.token }), 404, 'not_found');
  });

  test('unknown path outside the API (no web build in this test)', async () => {
    await expectError(await call(t.app, 'GET', '/nothing-here'), 404, 'not_found');
  });

  test('malformed JSON', async () => {
    await expectError(await call(t.app, 'POST', '/api/v1/tenants', { token: admin.token, body: '{"name": ' }), 400, 'bad_request');
  });

  test('wrong types, with each problem listed', async () => {
    const body = await expectError(
      await call(t.app, 'POST', '/api/v1/tenants', { token: admin.token, body: { name: 42, tenantGuid: 'not-a-guid', primaryDomain: 'x' } }),
      400,
      'validation_failed',
    );
    const paths = (body.error as unknown as { details: { path: string }[] }).details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'tenantGuid', 'primaryDomain']));
  });

  test('missing body and wrong content type', async () => {
    await expectError(await call(t.app, 'POST', '/api/v1/tenants', { token: admin.token }), 400, 'validation_failed');
    await expectError(
      await call(t.app, 'POST', '/api/v1/tenants', { token: admin.token, body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
      'unsupported_media_type',
    );
  });

  test('oversized body', async () => {
    await expectError(
      await call(t.app, 'POST', '/api/v1/tenants', { token: admin.token, body: { ...sampleTenant(1), name: 'x'.repeat(10_000) } }),
      413,
      'payload_too_large',
    );
  });

  test('bad query parameters and a forged cursor', async () => {
    await expectError(await call(t.app, 'GET', '/api/v1/tenants?limit=0', { token: admin.token }), 400, 'validation_failed');
    await expectError(await call(t.app, 'GET', '/api/v1/tenants?limit=abc', { token: admin.token }), 400, 'validation_failed');
    await expectError(await call(t.app, 'GET', '/api/v1/tenants?cursor=bm90LWpzb24', { token: admin.token }), 400, 'validation_failed');
  });

  test('an id that is not a UUID is simply not found', async () => {
    await expectError(await call(t.app, 'GET', "/api/v1/tenants/1'%20or%201=1", { token: admin.token }), 404, 'not_found');
  });

  test('duplicate tenant is a conflict', async () => {
    expect((await call(t.app, 'POST', '/api/v1/tenants', { token: admin.token, body: sampleTenant(5) })).status).toBe(201);
    await expectError(await call(t.app, 'POST', '/api/v1/tenants', { token: admin.token, body: sampleTenant(5) }), 409, 'conflict');
  });

  test('a malformed Authorization header is a 401', async () => {
    await expectError(await call(t.app, 'GET', '/api/v1/tenants', { headers: { authorization: 'Basic abc' } }), 401, 'unauthenticated');
  });
});

describe('paging', () => {
  test('tenants page by name with an opaque cursor, every tenant exactly once', async () => {
    const m = await seedMsp(t.database, 'admin');
    for (let i = 10; i < 17; i++) await call(t.app, 'POST', '/api/v1/tenants', { token: m.token, body: sampleTenant(i) });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(t.app, 'GET', `/api/v1/tenants?limit=3${cursor ? `&cursor=${cursor}` : ''}`, { token: m.token });
      const page = (await res.json()) as { items: { name: string }[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((x) => x.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([10, 11, 12, 13, 14, 15, 16].map((i) => `Contoso ${i}`));
  });
});
