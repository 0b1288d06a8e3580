import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditLog } from '../../db/schema/index.ts';
import { addMember, call, createTestApp, type Member, sampleTenant, seedMsp, signInCookie } from '../helpers/app.ts';

/**
 * The audit log can be read, by owners and admins of the MSP only: who did what, when and from
 * where, filtered by actor, action and time, paged with a signed cursor.
 */
type Entry = {
  id: string;
  at: string;
  action: string;
  actor: { type: string; userId: string | null; email: string | null; token: string | null };
  target: { type: string; id: string | null } | null;
  ip: string | null;
};
type Page = { items: Entry[]; nextCursor: string | null };

let t: Awaited<ReturnType<typeof createTestApp>>;
let owner: Member;
let admin: Member;
let other: Member;

beforeAll(async () => {
  t = await createTestApp();
  owner = await seedMsp(t.database, 'owner');
  admin = await addMember(t.database, owner.mspId, 'admin');
  other = await seedMsp(t.database, 'owner');
  // The admin acts through the web app (a session), the owner through an API token.
  const session = await signInCookie(t.app, admin);
  for (let i = 1; i <= 3; i++) expect((await call(t.app, 'POST', '/api/v1/tenants', { ...session, body: sampleTenant(i) })).status).toBe(201);
  for (let i = 4; i <= 7; i++) expect((await call(t.app, 'POST', '/api/v1/tenants', { token: owner.token, body: sampleTenant(i) })).status).toBe(201);
  expect((await call(t.app, 'POST', '/api/v1/tenants', { token: other.token, body: sampleTenant(8) })).status).toBe(201);
  // An old entry, to filter by time.
  await t.database.db.insert(auditLog).values({
    mspId: owner.mspId,
    actorType: 'system',
    action: 'tenant.verify',
    targetType: 'tenant',
    targetId: 'old',
    ip: '198.51.100.7',
    createdAt: new Date('2026-01-15T10:00:00Z'),
  });
});
afterAll(async () => {
  await t?.drop();
});

const audit = async (member: Member, query = '') => call(t.app, 'GET', `/api/v1/audit${query ? `?${query}` : ''}`, { token: member.token });
const read = async (member: Member, query = '') => (await (await audit(member, query)).json()) as Page;

describe('GET /api/v1/audit', () => {
  test('owners and admins read it; technicians, read-only users and anonymous callers do not', async () => {
    expect((await audit(owner)).status).toBe(200);
    expect((await audit(admin)).status).toBe(200);
    for (const role of ['technician', 'read_only'] as const) expect((await audit(await addMember(t.database, owner.mspId, role))).status).toBe(403);
    expect((await call(t.app, 'GET', '/api/v1/audit')).status).toBe(401);
  });

  test('an MSP sees its own entries only, newest first, with who did it', async () => {
    const mine = await read(owner, 'limit=500');
    const creates = mine.items.filter((e) => e.action === 'tenant.create');
    expect(creates).toHaveLength(7);
    expect(mine.items.map((e) => e.at)).toEqual([...mine.items.map((e) => e.at)].sort().reverse());
    expect(creates.filter((e) => e.actor.type === 'user').every((e) => e.actor.userId === admin.userId && e.actor.email === admin.email)).toBe(true);
    expect(creates.filter((e) => e.actor.type === 'token').every((e) => e.actor.userId === owner.userId && e.actor.token === 'test')).toBe(true);
    const theirs = await read(other, 'limit=500');
    expect(theirs.items.filter((e) => e.action === 'tenant.create')).toHaveLength(1);
    expect(theirs.items.some((e) => mine.items.some((m) => m.id === e.id))).toBe(false);
  });

  test('filters by actor (session and tokens alike), action or family, and time', async () => {
    const byAdmin = await read(owner, `actor=${admin.userId}&action=tenant.create`);
    expect(byAdmin.items).toHaveLength(3);
    const byOwner = await read(owner, `actor=${owner.userId}&action=tenant.create`);
    expect(byOwner.items).toHaveLength(4);
    const family = await read(owner, 'action=tenant.&limit=500');
    expect(new Set(family.items.map((e) => e.action))).toEqual(new Set(['tenant.create', 'tenant.verify']));
    const january = await read(owner, 'from=2026-01-01&to=2026-01-31');
    expect(january.items).toEqual([
      expect.objectContaining({ action: 'tenant.verify', ip: '198.51.100.7', actor: expect.objectContaining({ type: 'system', userId: null }) }),
    ]);
    expect((await audit(owner, 'actor=not-a-user')).status).toBe(400);
    expect((await audit(owner, "action=x'%20or%201=1")).status).toBe(400);
  });

  test('pages with a signed cursor: every entry exactly once; a hand-made cursor is a 400', async () => {
    const all = await read(owner, 'limit=500');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await read(owner, `limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.items.map((e) => e.id));
    const forged = Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000000Z', owner.userId])).toString('base64url');
    expect((await audit(owner, `cursor=${forged}`)).status).toBe(400);
    const first = await read(owner, 'limit=1');
    expect((await audit(other, `cursor=${encodeURIComponent(first.nextCursor!)}`)).status).toBe(400);
  });
});

describe('GET /api/v1/audit/export.csv', () => {
  test('the same entries under the same filters as CSV, for owners and admins only, with formula cells neutralised', async () => {
    await t.database.db.insert(auditLog).values({
      mspId: owner.mspId,
      actorType: 'system',
      action: 'tenant.verify',
      targetType: 'tenant',
      targetId: '=HYPERLINK("http://evil.example")',
      ip: null,
    });
    const res = await call(t.app, 'GET', '/api/v1/audit/export.csv?action=tenant.', { token: owner.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toContain('attachment');
    const lines = (await res.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('time_utc,who,actor_type,api_token,action,target_type,target_id,ip,details');
    const page = await read(owner, 'action=tenant.&limit=500');
    expect(lines).toHaveLength(page.items.length + 1);
    expect(lines.filter((l) => l.includes(',tenant.create,'))).toHaveLength(7);
    expect(lines.some((l) => l.includes(`${admin.email},user,,tenant.create`))).toBe(true);
    expect(lines.find((l) => l.includes('HYPERLINK'))).toContain(`'=HYPERLINK`);
    expect((await call(t.app, 'GET', '/api/v1/audit/export.csv', { token: (await addMember(t.database, owner.mspId, 'technician')).token })).status).toBe(403);
    const theirs = await (await call(t.app, 'GET', '/api/v1/audit/export.csv', { token: other.token })).text();
    expect(theirs).not.toContain(admin.email);
  });
});
