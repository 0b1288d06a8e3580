import type { Command } from 'commander';
import { describeOwner } from '../../../db/data-dir-lock.ts';
import { loadConfig } from '../../config.ts';
import { type Runtime, startRuntime } from '../../runtime.ts';
import { type ControlServer, startControlServer } from '../control.ts';
import { type CommandHost, printError } from '../io.ts';

/**
 * `tenantwatch start`: the runtime, and on a PGlite data dir the control socket through which
 * CLI commands on the same data dir run in this process (`execute` runs one command line).
 */
export function registerStartCommand(program: Command, host: CommandHost, execute: (args: string[], host: CommandHost) => Promise<unknown>) {
  program.command('start').action(async () => {
    if (host.where === 'server') {
      return host.run('start', async ({ io, database, config }) => {
        printError(io, `tenantwatch: ${describeOwner(config.dataDir, database.dataDirLock!.owner)}`);
        io.exitCode = 1;
      });
    }
    // The handlers go in before start-up: the server says it is listening before start-up has
    // finished, and a signal in that gap must stop it gracefully too (once start-up is done).
    let signals = 0;
    let log: Runtime['log'] | null = null;
    let stop: (() => void) | null = null;
    let stopRequested = false;
    const onSignal = (signal: string) => {
      signals += 1;
      if (signals > 1) {
        if (log) log.warn({ signal }, 'second signal: exiting now; in-flight jobs are retried at the next start');
        else process.stderr.write(`tenantwatch: second signal (${signal}): exiting now\n`);
        process.exit(1);
      }
      if (log) log.info({ signal }, 'shutting down gracefully (send again to force)');
      else process.stderr.write(`tenantwatch: ${signal}: stopping once start-up has finished (send again to force)\n`);
      if (stop) stop();
      else stopRequested = true;
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // A data dir another process holds stops start-up here, in one line (data-dir-lock.ts).
    const runtime = await startRuntime(loadConfig());
    log = runtime.log;
    let control: ControlServer | null = null;
    if (runtime.database.dataDirLock) {
      try {
        control = await startControlServer(runtime, execute);
      } catch (err) {
        await runtime.stop();
        throw err;
      }
    }
    stop = () => {
      (async () => {
        // Commands running for a CLI finish before the database closes.
        await control?.close();
        await runtime.stop();
      })().then(
        () => process.exit(0),
        (err: unknown) => {
          runtime.log.error({ err }, 'error while stopping');
          process.exit(1);
        },
      );
    };
    if (stopRequested) stop();
  });
}
