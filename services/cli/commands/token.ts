import { InvalidArgumentError, type Command } from 'commander';
import { eq, sql } from 'drizzle-orm';
import { appUser } from '../../../db/schema/index.ts';
import { createApiToken } from '../../core/api-token/create-api-token.ts';
import { NotFoundError } from '../../errors.ts';
import { systemCtx } from '../context.ts';
import { type CommandHost, print, printError } from '../io.ts';
import { type Role, roleOption } from '../options.ts';

export function registerTokenCommands(program: Command, host: CommandHost) {
  const token = program.command('token').description('manage API tokens');
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
    .action((opts: { email: string; name: string; role?: Role; expiresDays?: number }) =>
      host.run('token create', async ({ io, database, config }) => {
        const [owner] = await database.db
          .select({ id: appUser.id, mspId: appUser.mspId })
          .from(appUser)
          .where(eq(sql`lower(${appUser.email})`, opts.email.trim().toLowerCase()))
          .limit(1);
        if (!owner) throw new NotFoundError(`No user with the email ${opts.email}.`);
        const ctx = await systemCtx(database, config, owner.mspId);
        const created = await createApiToken({ ctx, userId: owner.id, input: { name: opts.name, role: opts.role, expiresInDays: opts.expiresDays } });
        printError(io, `Token "${created.name}" (${created.role.replace('_', '-')}) created. It is shown only now; store it safely:`);
        print(io, created.token);
      }),
    );
}
