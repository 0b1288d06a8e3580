import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, createTestApp, sampleTenant, secrets, seedMsp, signInCookie } from './helpers/app.ts';

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.drop());

/** Every row of a table as text, exactly as stored. */
async function rawRows(table: string): Promise<Record<string, unknown>[]> {
  const result = (await t.database.db.execute(sql.raw(`select * from ${table}`))) as unknown as { rows: Record<string, unknown>[] };
  return result.rows;
}
const dump = async (...tables: string[]) => JSON.stringify(await Promise.all(tables.map(rawRows)));

describe('what the database holds (raw rows)', () => {
  test('passwords are argon2id hashes, never the password', async () => {
    const member = await seedMsp(t.database);
    const [row] = (await rawRows('app_user')).filter((r) => r.id === member.userId);
    expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await dump('app_user', 'audit_log', 'session')).not.toContain(member.password);
  });

  test('API tokens are stored as SHA-256 only', async () => {
    const member = await seedMsp(t.database);
    const rows = (await rawRows('api_token')).filter((r) => r.user_id === member.userId);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toBe(createHash('sha256').update(member.token).digest('hex'));
    expect(await dump('api_token', 'audit_log')).not.toContain(member.token.slice(8));
  });

  test('session cookies are stored as SHA-256 only', async () => {
    const member = await seedMsp(t.database);
    const { cookie } = await signInCookie(t.app, member);
    const value = cookie.split('=')[1]!;
    const hashes = (await rawRows('session')).map((r) => r.token_hash);
    expect(hashes).toContain(createHash('sha256').update(value).digest('hex'));
    expect(await dump('session')).not.toContain(value);
  });

  test('tenant client secrets and certificate keys are sealed with AES-256-GCM', async () => {
    const member = await seedMsp(t.database, 'admin');
    const clientSecret = 'Qx8~s3cr3t.value_from_entra_portal';
    const res = await call(t.app, 'POST', '/api/v1/tenants', {
      token: member.token,
      body: { ...sampleTenant(7), auth: { mode: 'secret', clientId: '11111111-2222-4333-8444-555555555555', clientSecret } },
    });
    expect(res.status).toBe(201);
    const view = await res.json();
    expect(JSON.stringify(view)).not.toContain(clientSecret);
    expect(view).toMatchObject({ authMode: 'secret', hasCredentials: true });

    const [row] = (await rawRows('tenant')).filter((r) => r.tenant_guid === sampleTenant(7).tenantGuid);
    expect(row!.credentials_enc).toMatch(/^v1\./);
    expect(await dump('tenant', 'audit_log')).not.toContain(clientSecret);
    expect(JSON.parse(secrets.open(row!.credentials_enc as string))).toEqual({ clientSecret });
  });
});
