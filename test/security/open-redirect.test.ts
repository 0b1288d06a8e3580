import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { safeNext } from '../../web/src/lib/utils/redirect.ts';
import { call, createTestApp } from '../helpers/app.ts';

/**
 * Where to go after signing in comes from the address (`?next=`): only a page of this site may
 * come out, judged after the URL is normalised, since dot segments collapse into `//host`.
 */
const LEAVING = [
  '/.//evil.example/phish',
  '/..//evil.example',
  '/a/..//evil.example',
  '/%2e%2e//evil.example',
  '/%2E//evil.example',
  '/./%2e//evil.example',
  '/a/b/../..//evil.example/x?y=1',
];

describe("the web app's ?next= guard", () => {
  test.each(LEAVING)('%j becomes the Report', (raw) => {
    expect(safeNext(raw)).toBe('/');
  });

  test('a path with dot segments that stays on the site is kept, normalised', () => {
    expect(safeNext('/a/../events/1?x=%2F%2Fevil')).toBe('/events/1?x=%2F%2Fevil');
    expect(safeNext('/./tenants')).toBe('/tenants');
  });
});

describe("the API's Microsoft sign-in keeps only a same-site next", () => {
  let t: Awaited<ReturnType<typeof createTestApp>>;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.drop();
  });

  test.each(LEAVING)('%j is dropped from the redirect', async (raw) => {
    const res = await call(t.app, 'GET', `/api/v1/auth/microsoft/start?next=${encodeURIComponent(raw)}`);
    expect(res.status).toBe(302);
    const target = new URL(res.headers.get('location') ?? '', 'http://localhost:8787');
    expect(target.origin).toBe('http://localhost:8787');
    expect(target.pathname).toBe('/signin');
    expect(target.searchParams.get('next')).toBeNull();
  });

  test('a page of the site is kept', async () => {
    const res = await call(t.app, 'GET', `/api/v1/auth/microsoft/start?next=${encodeURIComponent('/./tenants')}`);
    expect(new URL(res.headers.get('location') ?? '', 'http://localhost:8787').searchParams.get('next')).toBe('/tenants');
  });
});
