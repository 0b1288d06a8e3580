import type { Command } from 'commander';
import { type CommandHost, print } from '../io.ts';

export function registerMigrateCommand(program: Command, host: CommandHost) {
  program.command('migrate').action(() => host.run('migrate', async ({ io, database }) => print(io, `migrations applied (${database.kind})`)));
}
