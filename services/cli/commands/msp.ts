import type { Command } from 'commander';
import { listMsps } from '../../core/msp/list-msps.ts';
import { createMspSignupLink, MSP_SIGNUP_LINK_DAYS, signupPath } from '../../core/msp/sign-up-msp.ts';
import { type CommandHost, print, printError, printTable } from '../io.ts';

/** `tenantwatch msp ...`: the installation operator's commands over MSPs (not scoped to one). */
export function registerMspCommands(program: Command, host: CommandHost): void {
  const msp = program.command('msp');
  msp
    .command('invite')
    .description('print a one-time link with which a new MSP signs up (its company and owner account)')
    .option('--name <name>', 'company name to suggest on the sign-up page')
    .action((opts: { name?: string }) =>
      host.run('msp invite', async ({ io, database, config }) => {
        const { token } = await createMspSignupLink({ db: database.db, mode: config.signup }, { mspName: opts.name });
        printError(io, `Send this one-time sign-up link to the new MSP (valid ${MSP_SIGNUP_LINK_DAYS} days):`);
        print(io, config.publicUrl + signupPath(token));
      }),
    );
  msp
    .command('list')
    .description('list the MSPs with their owner, users and tenants')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      host.run('msp list', async ({ io, database }) => {
        const items = await listMsps(database.db);
        if (opts.json) return print(io, JSON.stringify(items, null, 2));
        if (items.length === 0) return print(io, 'No MSP yet: finish setup with the link `tenantwatch start` printed.');
        const rows = items.map((m) => [
          m.name,
          m.id,
          m.owner ?? '-',
          String(m.users),
          String(m.tenants) + (m.demo ? ' (demo)' : ''),
          m.createdAt.toISOString().slice(0, 10),
        ]);
        printTable(io, ['NAME', 'ID', 'OWNER', 'USERS', 'TENANTS', 'CREATED'], rows);
      }),
    );
}
