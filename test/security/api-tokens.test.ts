import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase } from '../../db/client.ts';
import { apiToken } from '../../db/schema/index.ts';
import { addMember, call, createTestApp, type Member, seedMsp, signInCookie } from '../helpers/app.ts';
import { createPostgresDatabase, dropPostgresDatabase, TEST_SECRET_KEY } from '../helpers/database.ts';
import { runCli } from '../helpers/process.ts';

/** API tokens can be listed, expire, and be revoked for good (API and command line). */

let t: Awaited<ReturnType<typeof createTestApp>>;
let owner: Member;
beforeAll(async () => {
  t = await createTestApp();
  owner = await seedMsp(t.database, 'owner');
});
afterAll(() => t.drop());

type TokenView = { id: string; name: string; prefix: string; role: string; state: string; lastUsedAt: string | null; expiresAt: string | null };
const listOf = async (auth: { token?: string; cookie?: string }) =>
  ((await (await call(t.app, 'GET', '/api/v1/tokens', auth)).json()) as { items: TokenView[] }).items;

describe('API tokens', () => {
  test('a user lists their own tokens (never the secret), creates one that expires, and revokes it', async () => {
    const member = await addMember(t.database, owner.mspId, 'technician');
    const session = await signInCookie(t.app, member);
    const created = await call(t.app, 'POST', '/api/v1/tokens', { ...session, body: { name: 'PSA sync', expiresInDays: 30 } });
    expect(created.status).toBe(201);
    const { id, token } = (await created.json()) as { id: string; token: string };
    expect((await call(t.app, 'GET', '/api/v1/tenants', { token })).status).toBe(200);

    const items = await listOf(session);
    expect(items.map((i) => i.name)).toEqual(['PSA sync', 'test']);
    expect(items[0]).toMatchObject({
      id,
      role: 'technician',
      state: 'active',
      prefix: token.slice(0, 8),
      lastUsedAt: expect.any(String),
      expiresAt: expect.any(String),
    });
    expect(JSON.stringify(items)).not.toContain(token);
    // Another user's list does not show it.
    expect((await listOf({ token: owner.token })).map((i) => i.id)).not.toContain(id);

    const revoked = await call(t.app, 'DELETE', `/api/v1/tokens/${id}`, session);
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ id, state: 'revoked', revokedAt: expect.any(String) });
    expect((await call(t.app, 'GET', '/api/v1/tenants', { token })).status).toBe(401);
  });

  test('an expired token stops working and is listed as expired', async () => {
    const member = await addMember(t.database, owner.mspId, 'technician');
    await t.database.db
      .update(apiToken)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiToken.userId, member.userId));
    expect((await call(t.app, 'GET', '/api/v1/tenants', { token: member.token })).status).toBe(401);
    const session = await signInCookie(t.app, member);
    expect((await listOf(session))[0]).toMatchObject({ state: 'expired' });
  });

  test("nobody revokes another user's token except an admin; another MSP's is not found", async () => {
    const tech = await addMember(t.database, owner.mspId, 'technician');
    const other = await addMember(t.database, owner.mspId, 'technician');
    const [techToken] = await t.database.db.select({ id: apiToken.id }).from(apiToken).where(eq(apiToken.userId, tech.userId));
    expect((await call(t.app, 'DELETE', `/api/v1/tokens/${techToken!.id}`, { token: other.token })).status).toBe(404);
    const elsewhere = await seedMsp(t.database, 'owner');
    expect((await call(t.app, 'DELETE', `/api/v1/tokens/${techToken!.id}`, { token: elsewhere.token })).status).toBe(404);
    expect((await call(t.app, 'GET', '/api/v1/tenants', { token: tech.token })).status).toBe(200);
    expect((await call(t.app, 'DELETE', `/api/v1/tokens/${techToken!.id}`, { token: owner.token })).status).toBe(200);
    expect((await call(t.app, 'GET', '/api/v1/tenants', { token: tech.token })).status).toBe(401);
  });

  test('disabling a user revokes their tokens for good: enabling them again does not revive them', async () => {
    const tech = await addMember(t.database, owner.mspId, 'technician');
    const patch = (status: string) => call(t.app, 'PATCH', `/api/v1/users/${tech.userId}`, { token: owner.token, body: { status } });
    expect((await patch('disabled')).status).toBe(200);
    expect((await patch('active')).status).toBe(200);
    expect((await call(t.app, 'GET', '/api/v1/tenants', { token: tech.token })).status).toBe(401);
    expect((await listOf(await signInCookie(t.app, tech)))[0]).toMatchObject({ state: 'revoked' });
  });
});

describe('tenantwatch token list / revoke', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tw-tokens-'));
  let env: Record<string, string>;
  let databaseUrl: string | undefined;
  beforeAll(async () => {
    env = { TW_DATA_DIR: dataDir, TW_SECRET_KEY: TEST_SECRET_KEY, TW_LOG_LEVEL: 'silent', TW_DEMO: 'off', DATABASE_URL: '' };
    if (process.env.DATABASE_URL) {
      databaseUrl = await createPostgresDatabase(process.env.DATABASE_URL);
      env.DATABASE_URL = databaseUrl;
    }
  });
  afterAll(async () => {
    if (databaseUrl) await dropPostgresDatabase(process.env.DATABASE_URL!, databaseUrl);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const withDb = async <T>(fn: (database: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>) => {
    const database = await openDatabase(databaseUrl ? { databaseUrl } : { dataDir });
    try {
      await database.migrate();
      return await fn(database);
    } finally {
      await database.close();
    }
  };

  test("lists a user's tokens and revokes one by id", async () => {
    const member = await withDb((database) => seedMsp(database, 'admin'));
    const listed = await runCli(['token', 'list', '--email', member.email], env);
    expect(listed.code, listed.stderr).toBe(0);
    const [header, line] = listed.stdout.trim().split('\n');
    expect(header).toBe('id\tname\tprefix\trole\tstate\tcreated\tlast used\texpires');
    const [id, name, prefix, role, state] = line!.split('\t');
    expect([name, prefix, role, state]).toEqual(['test', member.token.slice(0, 8), 'admin', 'active']);

    const revoked = await runCli(['token', 'revoke', id!], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(/is revoked/);
    const [row] = await withDb((database) => database.db.select().from(apiToken).where(eq(apiToken.id, id!)));
    expect(row!.revokedAt).toBeInstanceOf(Date);
    expect((await runCli(['token', 'list', '--email', member.email], env)).stdout).toMatch(/\trevoked\t/);
    const unknown = await runCli(['token', 'revoke', '00000000-0000-4000-8000-000000000000'], env);
    expect(unknown.code).toBe(1);
  }, 300_000);
});
