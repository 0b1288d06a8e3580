import { Command, CommanderError } from 'commander';
import type { CliIo, CommandHost } from './io.ts';

type Register = (program: Command, host: CommandHost, execute: typeof executeCommandLine) => void;

/**
 * The command line, noun by noun (`commands/<noun>.ts`), with each noun's one-line summary. A
 * noun's module (and what it imports: the database, the collectors, the API) is loaded only when
 * that noun runs, so `tenantwatch --help` starts in a blink; the help lists every noun from this
 * table. The same program runs in the CLI process and, for a command sent over the control
 * socket, inside the running server (host.ts, control.ts).
 */
const COMMANDS: { name: string; summary: string; load: () => Promise<Register> }[] = [
  {
    name: 'start',
    summary: 'run Tenantwatch: web app, API and workers in one process',
    load: async () => (await import('./commands/start.ts')).registerStartCommand,
  },
  {
    name: 'worker',
    summary: 'run the workers only (collection, detection, enrichment, notification), beside other processes on one Postgres',
    load: async () => (await import('./commands/worker.ts')).registerWorkerCommand,
  },
  { name: 'migrate', summary: 'apply database migrations and exit', load: async () => (await import('./commands/migrate.ts')).registerMigrateCommand },
  { name: 'user', summary: 'manage users', load: async () => (await import('./commands/user.ts')).registerUserCommands },
  { name: 'token', summary: 'manage API tokens', load: async () => (await import('./commands/token.ts')).registerTokenCommands },
  { name: 'tenant', summary: 'manage Microsoft 365 tenants', load: async () => (await import('./commands/tenant.ts')).registerTenantCommands },
  {
    name: 'collect',
    summary: 'collect a tenant now (back-fills up to 7 days on first run)',
    load: async () => (await import('./commands/collect.ts')).registerCollectCommand,
  },
  { name: 'rules', summary: 'detections', load: async () => (await import('./commands/rules.ts')).registerRulesCommands },
  { name: 'msp', summary: "manage the installation's MSPs (operator)", load: async () => (await import('./commands/msp.ts')).registerMspCommands },
  {
    name: 'import',
    summary:
      'import an audit export (Purview CSV, Search-UnifiedAuditLog JSON, JSON lines) into a tenant, for investigations; the detections run over the imported records and their events are queued for enrichment',
    load: async () => (await import('./commands/import.ts')).registerImportCommand,
  },
  { name: 'openapi', summary: 'print the OpenAPI document', load: async () => (await import('./commands/openapi.ts')).registerOpenapiCommand },
];

/**
 * The program for one command line: the noun it names is loaded in full, the others are listed
 * by name and summary. `args: null` loads every noun.
 */
export async function buildProgram(host: CommandHost, args: string[] | null = null): Promise<Command> {
  const program = new Command('tenantwatch')
    .description('Microsoft 365 security monitoring for MSPs')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => host.io.stdout.write(s), writeErr: (s) => host.io.stderr.write(s) });
  const words = args?.filter((a) => !a.startsWith('-')) ?? [];
  // `tenantwatch help tenant` shows the help of `tenant`.
  const named = words[0] === 'help' ? words[1] : words[0];
  for (const { name, summary, load } of COMMANDS) {
    if (args === null || name === named) {
      (await load())(program, host, executeCommandLine);
      program.commands.at(-1)!.description(summary);
    } else {
      program.command(name).description(summary);
    }
  }
  return program;
}

/**
 * Runs one command line (the words after `tenantwatch`) on a host. A failure is one line on the
 * host's stderr and a non-zero exit code; answers whether the command failed.
 */
export async function executeCommandLine(args: string[], host: CommandHost): Promise<boolean> {
  try {
    await (await buildProgram(host, args)).parseAsync(args, { from: 'user' });
    return false;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed the message (or the help, which exits 0).
      host.io.exitCode = err.exitCode;
    } else {
      const { describeError, printError } = await import('./io.ts');
      printError(host.io, `tenantwatch: ${describeError(err)}`);
      host.io.exitCode = 1;
    }
    return true;
  }
}

/** The terminal, as the CLI's io. */
function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: process.stderr.isTTY === true,
    get exitCode() {
      return Number(process.exitCode ?? 0);
    },
    set exitCode(code: number) {
      process.exitCode = code;
    },
    env: process.env,
    inputFile: (path) => path,
  };
}

/** The `tenantwatch` executable. */
export async function main(args = process.argv.slice(2)): Promise<void> {
  // `tenantwatch tenant list | head`: a closed pipe ends the command quietly, as for any Unix tool.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const io = processIo();
  // The host (database, control socket) is loaded when a command first needs it.
  const host: CommandHost = {
    io,
    where: 'cli',
    run: async (...run) => (await import('./host.ts')).cliHost(io, args).run(...run),
  };
  if (await executeCommandLine(args, host)) process.exit(io.exitCode);
}
