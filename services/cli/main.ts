import { Command, CommanderError } from 'commander';
import { registerCollectCommand } from './commands/collect.ts';
import { registerImportCommand } from './commands/import.ts';
import { registerMigrateCommand } from './commands/migrate.ts';
import { registerMspCommands } from './commands/msp.ts';
import { registerOpenapiCommand } from './commands/openapi.ts';
import { registerRulesCommands } from './commands/rules.ts';
import { registerStartCommand } from './commands/start.ts';
import { registerTenantCommands } from './commands/tenant.ts';
import { registerTokenCommands } from './commands/token.ts';
import { registerUserCommands } from './commands/user.ts';
import { cliHost } from './host.ts';
import { type CommandHost, describeError, printError, processIo } from './io.ts';

/**
 * The command line, noun by noun (`commands/<noun>.ts`). The same program runs in the CLI
 * process and, for a command sent over the control socket, inside the running server (host.ts,
 * control.ts).
 */
export function buildProgram(host: CommandHost): Command {
  const program = new Command('tenantwatch')
    .description('Microsoft 365 security monitoring for MSPs')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => host.io.stdout.write(s), writeErr: (s) => host.io.stderr.write(s) });
  registerStartCommand(program, host, executeCommandLine);
  registerMigrateCommand(program, host);
  registerUserCommands(program, host);
  registerTokenCommands(program, host);
  registerTenantCommands(program, host);
  registerCollectCommand(program, host);
  registerRulesCommands(program, host);
  registerMspCommands(program, host);
  registerImportCommand(program, host);
  registerOpenapiCommand(program, host);
  return program;
}

/**
 * Runs one command line (the words after `tenantwatch`) on a host. A failure is one line on the
 * host's stderr and a non-zero exit code; answers whether the command failed.
 */
export async function executeCommandLine(args: string[], host: CommandHost): Promise<boolean> {
  try {
    await buildProgram(host).parseAsync(args, { from: 'user' });
    return false;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed the message (or the help, which exits 0).
      host.io.exitCode = err.exitCode;
    } else {
      printError(host.io, `tenantwatch: ${describeError(err)}`);
      host.io.exitCode = 1;
    }
    return true;
  }
}

/** The `tenantwatch` executable. */
export async function main(args = process.argv.slice(2)): Promise<void> {
  // `tenantwatch tenant list | head`: a closed pipe ends the command quietly, as for any Unix tool.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const io = processIo();
  if (await executeCommandLine(args, cliHost(io, args))) process.exit(io.exitCode);
}
