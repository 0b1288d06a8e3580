import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { apiToken, appUser } from '../../db/schema/index.ts';
import type { Config } from '../config.ts';
import { listApiTokens } from '../core/api-token/list-api-tokens.ts';
import { revokeApiToken } from '../core/api-token/revoke-api-token.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { systemCtx } from './context.ts';

/**
 * The user an email names on the command line. Emails are unique per MSP only, so when the
 * address exists in several MSPs, `--msp` says which.
 */
export async function userByEmail(database: Database, email: string, mspId: string | undefined) {
  const rows = await database.db
    .select({ id: appUser.id, mspId: appUser.mspId, email: appUser.email })
    .from(appUser)
    .where(and(eq(sql`lower(${appUser.email})`, email.trim().toLowerCase()), mspId ? eq(appUser.mspId, mspId) : undefined))
    .limit(2);
  if (rows.length === 0) throw new NotFoundError(`No user with the email ${email}${mspId ? ' in that MSP' : ''}.`);
  if (rows.length > 1) throw new ValidationError(`${email} has accounts in several MSPs: say which with --msp <id>.`);
  return rows[0]!;
}

/** `tenantwatch token list --email E`: one line per token, tab-separated, newest first. */
export async function listTokensCommand(database: Database, config: Config, opts: { email: string; msp?: string }): Promise<void> {
  const user = await userByEmail(database, opts.email, opts.msp);
  const tokens = await listApiTokens({ ctx: await systemCtx(database, config, user.mspId), userId: user.id });
  if (tokens.length === 0) {
    console.error(`${user.email} has no API tokens.`);
    return;
  }
  console.log(['id', 'name', 'prefix', 'role', 'state', 'created', 'last used', 'expires'].join('\t'));
  for (const t of tokens) {
    console.log([t.id, t.name, t.prefix, t.role.replace('_', '-'), t.state, t.createdAt, t.lastUsedAt ?? 'never', t.expiresAt ?? 'never'].join('\t'));
  }
}

/** `tenantwatch token revoke <id>`: stops the token for good. */
export async function revokeTokenCommand(database: Database, config: Config, id: string): Promise<void> {
  const [row] = /^[0-9a-f-]{36}$/i.test(id) ? await database.db.select({ mspId: apiToken.mspId }).from(apiToken).where(eq(apiToken.id, id)).limit(1) : [];
  if (!row) throw new NotFoundError(`No API token with the id ${id} (see \`tenantwatch token list --email <email>\`).`);
  const revoked = await revokeApiToken({ ctx: await systemCtx(database, config, row.mspId), id });
  console.log(`Token "${revoked.name}" (${revoked.prefix}…) is revoked.`);
}
