import type { Command } from 'commander';
import { listMsps } from '../../core/msp/list-msps.ts';
import { createMspSignupLink, MSP_SIGNUP_LINK_DAYS, signupPath } from '../../core/msp/sign-up-msp.ts';
import { withDatabase } from '../context.ts';

/** `tenantwatch msp ...`: the installation operator's commands over MSPs (not scoped to one). */
export function registerMspCommands(program: Command): void {
  const msp = program.command('msp').description("manage the installation's MSPs (operator)");
  msp
    .command('invite')
    .description('print a one-time link with which a new MSP signs up (its company and owner account)')
    .option('--name <name>', 'company name to suggest on the sign-up page')
    .action((opts: { name?: string }) =>
      withDatabase(async (database, config) => {
        const { token } = await createMspSignupLink({ db: database.db, mode: config.signup }, { mspName: opts.name });
        console.error(`Send this one-time sign-up link to the new MSP (valid ${MSP_SIGNUP_LINK_DAYS} days):`);
        console.log(config.publicUrl + signupPath(token));
      }),
    );
  msp
    .command('list')
    .description('list the MSPs with their owner, users and tenants')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withDatabase(async (database) => {
        const items = await listMsps(database.db);
        if (opts.json) return console.log(JSON.stringify(items, null, 2));
        if (items.length === 0) return console.log('No MSP yet: finish setup with the link `tenantwatch start` printed.');
        const rows = items.map((m) => [m.name, m.id, m.owner ?? '-', String(m.users), String(m.tenants) + (m.demo ? ' (demo)' : ''), m.createdAt.toISOString().slice(0, 10)]);
        const head = ['NAME', 'ID', 'OWNER', 'USERS', 'TENANTS', 'CREATED'];
        const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
        for (const row of [head, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
      }),
    );
}
