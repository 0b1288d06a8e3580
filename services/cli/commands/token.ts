import { InvalidArgumentError, type Command } from 'commander';
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../../db/client.ts';
import { apiToken, appUser } from '../../../db/schema/index.ts';
import { createApiToken } from '../../core/api-token/create-api-token.ts';
import { listApiTokens } from '../../core/api-token/list-api-tokens.ts';
import { revokeApiToken } from '../../core/api-token/revoke-api-token.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { systemCtx } from '../context.ts';
import { type CommandHost, print, printError } from '../io.ts';
import { mspOption, type Role, roleOption } from '../options.ts';

/**
 * The user an email names on the command line. Emails are unique per MSP only, so when the
 * address exists in several MSPs, `--msp` says which.
 */
async function userByEmail(database: Database, email: string, mspId: string | undefined) {
  const rows = await database.db
    .select({ id: appUser.id, mspId: appUser.mspId, email: appUser.email })
    .from(appUser)
    .where(and(eq(sql`lower(${appUser.email})`, email.trim().toLowerCase()), mspId ? eq(appUser.mspId, mspId) : undefined))
    .limit(2);
  if (rows.length === 0) throw new NotFoundError(`No user with the email ${email}${mspId ? ' in that MSP' : ''}.`);
  if (rows.length > 1) throw new ValidationError(`${email} has accounts in several MSPs: say which with --msp <id>.`);
  return rows[0]!;
}

export function registerTokenCommands(program: Command, host: CommandHost) {
  const token = program.command('token');
  token
    .command('create')
    .description('create an API token for a user and print it (shown only once)')
    .requiredOption('--email <email>', 'the user the token acts for')
    .requiredOption('--name <name>', 'what the token is for, e.g. "PSA sync"')
    .addOption(roleOption())
    .option('--expires-days <days>', 'days until it stops working (default: never)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a whole number of days');
      return n;
    })
    .addOption(mspOption())
    .action((opts: { email: string; name: string; role?: Role; expiresDays?: number; msp?: string }) =>
      host.run('token create', async ({ io, database, config }) => {
        const owner = await userByEmail(database, opts.email, opts.msp);
        const ctx = await systemCtx(database, config, owner.mspId);
        const created = await createApiToken({ ctx, userId: owner.id, input: { name: opts.name, role: opts.role, expiresInDays: opts.expiresDays } });
        printError(io, `Token "${created.name}" (${created.role.replace('_', '-')}) created. It is shown only now; store it safely:`);
        print(io, created.token);
      }),
    );
  token
    .command('list')
    .description("list a user's API tokens (never the tokens themselves)")
    .requiredOption('--email <email>', 'the user whose tokens to list')
    .addOption(mspOption())
    .action((opts: { email: string; msp?: string }) =>
      host.run('token list', async ({ io, database, config }) => {
        const user = await userByEmail(database, opts.email, opts.msp);
        const tokens = await listApiTokens({ ctx: await systemCtx(database, config, user.mspId), userId: user.id });
        if (tokens.length === 0) return printError(io, `${user.email} has no API tokens.`);
        print(io, ['id', 'name', 'prefix', 'role', 'state', 'created', 'last used', 'expires'].join('\t'));
        for (const t of tokens) {
          print(io, [t.id, t.name, t.prefix, t.role.replace('_', '-'), t.state, t.createdAt, t.lastUsedAt ?? 'never', t.expiresAt ?? 'never'].join('\t'));
        }
      }),
    );
  token
    .command('revoke <id>')
    .description('revoke an API token for good (its id from `token list`)')
    .action((id: string) =>
      host.run('token revoke', async ({ io, database, config }) => {
        const [row] = /^[0-9a-f-]{36}$/i.test(id) ? await database.db.select({ mspId: apiToken.mspId }).from(apiToken).where(eq(apiToken.id, id)).limit(1) : [];
        if (!row) throw new NotFoundError(`No API token with the id ${id} (see \`tenantwatch token list --email <email>\`).`);
        const revoked = await revokeApiToken({ ctx: await systemCtx(database, config, row.mspId), id });
        print(io, `Token "${revoked.name}" (${revoked.prefix}…) is revoked.`);
      }),
    );
}
