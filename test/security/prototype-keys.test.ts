import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, createTestApp } from '../helpers/app.ts';

/** A name from the address is looked up among a table's own entries, never its prototype's. */
let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  // Open to anyone (TW_API_REFERENCE=public), so the lookup itself is what answers.
  t = await createTestApp({ TW_API_REFERENCE: 'public' });
});
afterAll(async () => {
  await t?.drop();
});

describe('the API reference assets', () => {
  test.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'])(
    '/api/reference/%s is a 404 without a session',
    async (name) => {
      const res = await call(t.app, 'GET', `/api/reference/${name}`);
      expect(res.status).toBe(404);
    },
  );

  test('the real assets are served', async () => {
    const res = await call(t.app, 'GET', '/api/reference/swagger-ui.css');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/css/);
  });
});
