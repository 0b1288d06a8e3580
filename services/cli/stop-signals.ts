import type { Logger } from '../log.ts';

/**
 * SIGINT and SIGTERM handling for a long-running command (`start`, `worker`), installed before
 * start-up: the process may say it is listening or taking jobs before start-up has finished, and
 * a signal in that gap must stop it gracefully too, once start-up is done. A second signal exits
 * at once; in-flight jobs are retried (at the next start, or when they expire).
 * @example const signals = stopOnSignals(); const runtime = await startRuntime(config); signals.ready(runtime.log, () => runtime.stop());
 */
export function stopOnSignals(): { ready(log: Logger, stop: () => Promise<void>): void } {
  let signals = 0;
  let log: Logger | null = null;
  let stopNow: (() => void) | null = null;
  let requested = false;
  const onSignal = (signal: string) => {
    signals += 1;
    if (signals > 1) {
      if (log) log.warn({ signal }, 'second signal: exiting now; in-flight jobs are retried');
      else process.stderr.write(`tenantwatch: second signal (${signal}): exiting now\n`);
      process.exit(1);
    }
    if (log) log.info({ signal }, 'shutting down gracefully (send again to force)');
    else process.stderr.write(`tenantwatch: ${signal}: stopping once start-up has finished (send again to force)\n`);
    if (stopNow) stopNow();
    else requested = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    ready(readyLog, stop) {
      log = readyLog;
      stopNow = () => {
        stop().then(
          () => process.exit(0),
          (err: unknown) => {
            readyLog.error({ err }, 'error while stopping');
            process.exit(1);
          },
        );
      };
      if (requested) stopNow();
    },
  };
}
