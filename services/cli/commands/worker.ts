import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { startWorkerRuntime } from '../../runtime.ts';
import { type CommandHost, printError } from '../io.ts';
import { stopOnSignals } from '../stop-signals.ts';

/**
 * `tenantwatch worker`: the queues' workers without the web app and API, for running more
 * processes than one on a Postgres server (`DATABASE_URL`). Any number of `worker` and `start`
 * processes share the queues; a tenant is collected by one of them at a time, and the jobs of a
 * process that dies expire and are run again.
 */
export function registerWorkerCommand(program: Command, host: CommandHost) {
  program.command('worker').action(async () => {
    if (host.where === 'server') {
      printError(host.io, 'tenantwatch: `worker` is a process of its own; run it beside the server, not through it');
      host.io.exitCode = 1;
      return;
    }
    const signals = stopOnSignals();
    const runtime = await startWorkerRuntime(loadConfig());
    signals.ready(runtime.log, () => runtime.stop());
  });
}
