import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '../../db/client.ts';
import { DataDirLockedError, readLockOwner } from '../../db/data-dir-lock.ts';
import { loadConfig } from '../config.ts';
import { ControlUnavailableError, forwardCommand } from './control.ts';
import type { CliIo, CommandHost } from './io.ts';

/** How long a command waits for a server that is starting (migrating) or stopping. */
const WAIT_FOR_SERVER_MS = 60_000;

/**
 * The CLI process as a command's host. On a PGlite data dir: a running `tenantwatch start` owns
 * it, so the command line goes to its control socket; another command holding it is refused in
 * one line; a free data dir is opened here and held until the command ends (a `start` meanwhile
 * refuses). With `DATABASE_URL`, many processes share the Postgres server: the command opens it.
 */
export function cliHost(io: CliIo, argv: string[]): CommandHost {
  return {
    io,
    where: 'cli',
    async run(command, work, options = {}) {
      const config = loadConfig();
      const deadline = Date.now() + WAIT_FOR_SERVER_MS;
      for (;;) {
        if (!config.databaseUrl) {
          const owner = readLockOwner(config.dataDir);
          if (owner && owner.command !== 'start') throw new DataDirLockedError(config.dataDir, owner);
          if (owner) {
            if (owner.socketPath) {
              try {
                return await forwardCommand(owner.socketPath, argv, io, options.file);
              } catch (err) {
                if (!(err instanceof ControlUnavailableError)) throw err;
              }
            }
            if (Date.now() > deadline) {
              throw new Error(
                `Tenantwatch on ${config.dataDir} (pid ${owner.pid}) does not answer on its control socket; try again once it has started, or stop it.`,
              );
            }
            await sleep(200);
            continue;
          }
        }
        let database;
        try {
          database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2, command });
        } catch (err) {
          // A server took the data dir between the look and the open: send the command to it.
          if (err instanceof DataDirLockedError && err.owner.command === 'start' && Date.now() < deadline) continue;
          throw err;
        }
        try {
          // Migrated, so a command on a fresh install works.
          await database.migrate();
          return await work({ io, database, config });
        } finally {
          await database.close();
        }
      }
    },
  };
}
