import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLogger, safeErrorMessage } from '../../services/log.ts';
import { call, createTestApp, type Member, seedMsp } from '../helpers/app.ts';

/** NUL in any text is refused with 400 before it reaches the database; database errors are logged without their parameters. */

let t: Awaited<ReturnType<typeof createTestApp>>;
let owner: Member;
beforeAll(async () => {
  t = await createTestApp();
  owner = await seedMsp(t.database, 'owner');
});
afterAll(() => t.drop());

describe('NUL characters', () => {
  test.each([
    ['sign-in email (unauthenticated)', 'POST', '/api/v1/auth/sign-in', { email: 'a\u0000b@northwind.example', password: 'whatever password' }],
    ['sign-in password', 'POST', '/api/v1/auth/sign-in', { email: 'a@northwind.example', password: 'pass\u0000word' }],
    ['an object key', 'POST', '/api/v1/users', { email: 'x@northwind.example', role: 'technician', ['na\u0000me']: 'x' }],
    [
      'a nested value',
      'POST',
      '/api/v1/tenants',
      { name: 'Contoso', tenantGuid: '00000000-0000-4000-8000-000000000001', primaryDomain: 'contoso.example', extra: [['x\u0000']] },
    ],
  ])('in the JSON body: %s answers 400', async (_name, method, path, body) => {
    const res = await call(t.app, method, path, { token: owner.token, body });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('NUL') } });
  });

  test('in the query string answers 400', async () => {
    const res = await call(t.app, 'GET', '/api/v1/events?filter=Event.UserId%20%3D%20%27a%00b%27', { token: owner.token });
    expect(res.status).toBe(400);
  });
});

describe('error log', () => {
  test('a failed query is logged without its statement or parameters', async () => {
    const lines: string[] = [];
    const log = createLogger({ logLevel: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    const secret = '$argon2id$v=19$m=19456,t=2,p=1$c2VjcmV0LXNhbHQ$c2VjcmV0LWhhc2g';
    const err = await t.database.db.execute(sql`select ${secret}::int`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    log.error({ err }, 'request failed');
    log.warn({ error: (err as Error).message }, 'collection failed');
    const output = lines.join('');
    expect(output).toContain('Failed query (statement and parameters not logged)');
    expect(output).not.toContain(secret);
    expect(output).not.toContain('select');
    // The command line's one-line error message too.
    expect(safeErrorMessage(err)).toBe('Failed query (statement and parameters not logged)');
  });
});

describe('Cache-Control', () => {
  test('authenticated answers and the session (with its CSRF token) are never stored', async () => {
    const signIn = await call(t.app, 'POST', '/api/v1/auth/sign-in', { body: { email: owner.email, password: owner.password } });
    expect(signIn.headers.get('cache-control')).toBe('no-store');
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    expect((await call(t.app, 'GET', '/api/v1/auth/session', { cookie })).headers.get('cache-control')).toBe('no-store');
    expect((await call(t.app, 'GET', '/api/v1/tenants', { token: owner.token })).headers.get('cache-control')).toBe('no-store');
    expect((await call(t.app, 'GET', '/api/v1/users/not-a-user', { token: owner.token })).headers.get('cache-control')).toBe('no-store');
  });
});
