import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { answerClientErrors } from '../../services/api/node.ts';
import { call, createTestApp, type Member, seedMsp } from '../helpers/app.ts';

/**
 * A filter expression may hold 10,000 characters, more than fits in an address once encoded:
 * the Report's calls take it in a POST body, and a too-long address gets a JSON answer, not
 * Node's bare 431.
 */
let t: Awaited<ReturnType<typeof createTestApp>>;
let owner: Member;
let server: ServerType;
let base: string;

/** A valid expression of just under 10,000 characters, most of them three to six characters once encoded in an address. */
function longExpression(): string {
  let expression = "Event.Severity >= 'low'";
  for (let i = 0; ; i++) {
    const next = `${expression} AND Event.UserName <> '"${i} ; ${'é'.repeat(20)} "'`;
    if (next.length > 9_990) break;
    expression = next;
  }
  return expression;
}

beforeAll(async () => {
  t = await createTestApp();
  owner = await seedMsp(t.database, 'read_only');
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  answerClientErrors(server);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await t?.drop();
});

describe('long filter expressions', () => {
  test('in the address they overflow the header limit, answered as JSON', async () => {
    const filter = longExpression();
    expect(filter.length).toBeGreaterThan(9_900);
    const res = await fetch(`${base}/api/v1/events?filter=${encodeURIComponent(filter)}`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ error: { code: 'headers_too_large', message: expect.stringContaining('POST /api/v1/events/query') } });
  });

  test('in a POST body the list, the charts and the export take them', async () => {
    const filter = longExpression();
    const list = await fetch(`${base}/api/v1/events/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ filter, status: 'all', severity: ['high', 'critical'], sort: 'count', limit: 10 }),
    });
    expect(list.status).toBe(200);
    expect(await list.json()).toMatchObject({ items: [], nextCursor: null, counts: { total: 0 } });

    const summary = await call(t.app, 'POST', '/api/v1/events/summary', { token: owner.token, body: { filter, from: '2026-11-01' } });
    expect(summary.status).toBe(200);
    expect(await summary.json()).toMatchObject({ topDetections: [] });

    const csv = await call(t.app, 'POST', '/api/v1/events/export.csv', { token: owner.token, body: { filter } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await csv.text()).split('\r\n')[0]).toMatch(/^Event id,/);
  });

  test('the body keeps the same checks: a bad expression or one over the limit is a 400 with JSON', async () => {
    const bad = await call(t.app, 'POST', '/api/v1/events/query', { token: owner.token, body: { filter: 'Event.Nope = 1' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'validation_failed' } });
    const long = await call(t.app, 'POST', '/api/v1/events/query', { token: owner.token, body: { filter: `${longExpression()} ${'x'.repeat(200)}` } });
    expect(long.status).toBe(400);
  });
});
