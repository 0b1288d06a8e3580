import { Registry } from 'prom-client';
import type { Database } from '../../db/client.ts';
import { appUser, msp, type UserRole } from '../../db/schema/index.ts';
import { createNodeApp } from '../../services/api/node.ts';
import { createTokenProvider } from '../../services/microsoft/token-provider.ts';
import { createMicrosoftLogin } from '../../services/core/auth/microsoft-login.ts';
import type { App } from '../../services/api/types.ts';
import type { SmtpSink } from '../../services/sim/smtp/index.ts';
import { loadConfig } from '../../services/config.ts';
import { createApiToken } from '../../services/core/api-token/create-api-token.ts';
import { hashPassword } from '../../services/core/auth/passwords.ts';
import type { Ctx } from '../../services/core/context.ts';
import { createSecretBox } from '../../services/crypto.ts';
import { createLogger, type Logger } from '../../services/log.ts';
import type { OperationsReader } from '../../services/api/operations.ts';
import { createTestDatabase, TEST_SECRET_KEY } from './database.ts';

export const secrets = createSecretBox(Buffer.from(TEST_SECRET_KEY, 'hex'));

/**
 * The API on a fresh database, called in-process through `app.request`. `microsoftSignIn` gives
 * it msal-node sign-in to Microsoft (or a simulator named by TW_LOGIN_URL), as on Node: tenant
 * checks, and "Sign in with Microsoft" for staff when TW_MS_CLIENT_ID/SECRET are set. `webRoot`
 * serves a built web app (test/helpers/browser.ts builds it).
 */
export async function createTestApp(
  env: Record<string, string> = {},
  options: {
    microsoftSignIn?: boolean;
    shutdown?: AbortSignal;
    outbox?: SmtpSink;
    webRoot?: string;
    log?: Logger;
    operations?: (database: Database) => OperationsReader;
  } = {},
) {
  const { database, url, drop } = await createTestDatabase();
  const config = loadConfig({ TW_SECRET_KEY: TEST_SECRET_KEY, TW_LOG_LEVEL: 'silent', ...env });
  const tokens = options.microsoftSignIn ? { tokens: createTokenProvider(config, secrets), microsoftLogin: createMicrosoftLogin(config, secrets) } : {};
  const shutdown = options.shutdown ? { shutdown: options.shutdown } : {};
  const outbox = options.outbox ? { outbox: options.outbox } : {};
  const operations = options.operations ? { operations: options.operations(database) } : {};
  const metrics = new Registry();
  const app = createNodeApp(
    { config, database, secrets, log: options.log ?? createLogger(config), metrics, ...tokens, ...shutdown, ...outbox, ...operations },
    { webRoot: options.webRoot },
  );
  return { app, database, url, config, metrics, drop };
}

export type Member = { mspId: string; userId: string; email: string; password: string; role: UserRole; token: string; ctx: Ctx };

let seq = 0;

/** A new MSP with one active user of `role` and an API token acting with that role. */
export async function seedMsp(database: Database, role: UserRole = 'owner', name = `MSP ${++seq}`): Promise<Member> {
  const [m] = await database.db.insert(msp).values({ name }).returning();
  return addMember(database, m!.id, role);
}

/** Another active user (with its own token) in an existing MSP. */
export async function addMember(database: Database, mspId: string, role: UserRole): Promise<Member> {
  const email = `user${++seq}-${role}@northwind.example`;
  const password = `correct horse battery ${seq}`;
  const [u] = await database.db
    .insert(appUser)
    .values({ mspId, email, role, status: 'active', passwordHash: await hashPassword(password) })
    .returning();
  const ctx: Ctx = { msp: mspId, actor: { type: 'user', id: u!.id, role }, db: database.db, secrets };
  const { token } = await createApiToken({ ctx, userId: u!.id, input: { name: 'test' } });
  return { mspId, userId: u!.id, email, password, role, token, ctx };
}

/** JSON request helper; `auth` is a bearer token, or a cookie session `{ cookie, csrf }`. */
export function call(
  app: App,
  method: string,
  path: string,
  options: { token?: string; cookie?: string; csrf?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.cookie) headers.cookie = options.cookie;
  if (options.csrf) headers['x-csrf-token'] = options.csrf;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  return app.request(`http://localhost:8787${path}`, { method, headers, body });
}

/** Signs in through the API; returns the session cookie and CSRF token. */
export async function signInCookie(app: App, member: Pick<Member, 'email' | 'password'>) {
  const res = await call(app, 'POST', '/api/v1/auth/sign-in', { body: { email: member.email, password: member.password } });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0]!;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return { cookie, csrf: csrfToken, setCookie };
}

/** A tenant with its own app registration: tenants that use the MSP app come only by admin consent. */
export const sampleTenant = (n = 1) => ({
  name: `Contoso ${n}`,
  tenantGuid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  primaryDomain: `contoso${n}.example`,
  auth: { mode: 'secret' as const, clientId: '11111111-2222-4333-8444-555555555555', clientSecret: `sample secret ${n}` },
});
