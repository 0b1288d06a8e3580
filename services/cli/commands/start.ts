import type { Command } from 'commander';
import { describeOwner } from '../../../db/data-dir-lock.ts';
import { loadConfig } from '../../config.ts';
import { startRuntime } from '../../runtime.ts';
import { type ControlServer, startControlServer } from '../control.ts';
import { type CommandHost, printError } from '../io.ts';
import { stopOnSignals } from '../stop-signals.ts';

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
    const signals = stopOnSignals();
    // A data dir another process holds stops start-up here, in one line (data-dir-lock.ts).
    const runtime = await startRuntime(loadConfig());
    let control: ControlServer | null = null;
    if (runtime.database.dataDirLock) {
      try {
        control = await startControlServer(runtime, execute);
      } catch (err) {
        await runtime.stop();
        throw err;
      }
    }
    signals.ready(runtime.log, async () => {
      // Commands running for a CLI finish before the database closes.
      await control?.close();
      await runtime.stop();
    });
  });
}
