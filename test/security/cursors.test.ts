import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tenant } from '../../db/schema/index.ts';
import { call, createTestApp, type Member, sampleTenant, seedMsp } from '../helpers/app.ts';

/**
 * Every list pages with a cursor Tenantwatch signed for that list and MSP: a cursor made or
 * changed by hand is a 400 with a JSON error, never a 500 and never a page.
 */
let t: Awaited<ReturnType<typeof createTestApp>>;
let owner: Member;
let other: Member;
let tenantId: string;

const handMade = (key: unknown[]) => Buffer.from(JSON.stringify(key)).toString('base64url');
const ID = '00000000-0000-4000-8000-000000000001';
const FORGED = [
  handMade(['Contoso', ID]),
  handMade(['2026-01-01T00:00:00.000Z', ID]),
  handMade(['not a date', ID]),
  handMade(['x\u0000y', ID]),
  handMade([{ toString: 1 }, ID]),
  handMade([]),
  'not-base64-@@@',
  `${handMade(['Contoso', ID])}.forged-mac`,
];

beforeAll(async () => {
  t = await createTestApp();
  owner = await seedMsp(t.database, 'owner');
  other = await seedMsp(t.database, 'owner');
  for (let i = 1; i <= 3; i++) {
    const res = await call(t.app, 'POST', '/api/v1/tenants', { token: owner.token, body: sampleTenant(i) });
    tenantId = ((await res.json()) as { id: string }).id;
  }
  await t.database.db
    .insert(tenant)
    .values({ mspId: other.mspId, tenantGuid: crypto.randomUUID(), name: 'Elsewhere', primaryDomain: 'elsewhere.example', authMode: 'consent' });
});
afterAll(async () => {
  await t?.drop();
});

const lists = () => ['/api/v1/tenants', `/api/v1/tenants/${tenantId}/quarantine`, '/api/v1/custom-detections', '/api/v1/whitelist-rules'];

describe('list cursors', () => {
  test('a hand-made cursor on any list is a 400, not a 500', async () => {
    for (const path of lists()) {
      for (const cursor of FORGED) {
        const res = await call(t.app, 'GET', `${path}?cursor=${encodeURIComponent(cursor)}`, { token: owner.token });
        expect({ path, cursor, status: res.status }).toEqual({ path, cursor, status: 400 });
        expect(await res.json()).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('cursor') } });
      }
    }
  });

  test("the list's own cursor pages on; another MSP's or another list's is refused", async () => {
    const first = (await (await call(t.app, 'GET', '/api/v1/tenants?limit=2', { token: owner.token })).json()) as {
      items: { name: string }[];
      nextCursor: string;
    };
    expect(first.items.map((i) => i.name)).toEqual(['Contoso 1', 'Contoso 2']);
    const second = await call(t.app, 'GET', `/api/v1/tenants?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`, { token: owner.token });
    expect(((await second.json()) as { items: { name: string }[] }).items.map((i) => i.name)).toEqual(['Contoso 3']);
    expect((await call(t.app, 'GET', `/api/v1/tenants?cursor=${encodeURIComponent(first.nextCursor)}`, { token: other.token })).status).toBe(400);
    expect((await call(t.app, 'GET', `/api/v1/custom-detections?cursor=${encodeURIComponent(first.nextCursor)}`, { token: owner.token })).status).toBe(400);
  });
});
