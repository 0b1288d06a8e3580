import type { Command } from 'commander';
import { setupPath } from '../../core/auth/setup-tokens.ts';
import { inviteUser } from '../../core/user/invite-user.ts';
import { systemCtx } from '../context.ts';
import { type CommandHost, print } from '../io.ts';
import { mspOption, type Role, roleOption } from '../options.ts';

export function registerUserCommands(program: Command, host: CommandHost) {
  const user = program.command('user');
  user
    .command('create')
    .description('add a user and print their one-time setup link')
    .requiredOption('--email <email>', 'their sign-in email')
    .addOption(roleOption().makeOptionMandatory())
    .option('--name <name>', 'their name', '')
    .addOption(mspOption())
    .action((opts: { email: string; role: Role; name: string; msp?: string }) =>
      host.run('user create', async ({ io, database, config }) => {
        const ctx = await systemCtx(database, config, opts.msp);
        const { user: created, setupToken } = await inviteUser({ ctx, input: { email: opts.email, role: opts.role, name: opts.name } });
        print(io, `Created ${created.email} (${created.role.replace('_', '-')}). Send them this one-time setup link (valid 7 days):`);
        print(io, config.publicUrl + setupPath(setupToken));
      }),
    );
}
