import type { Database } from '../../db/client.ts';
import { DataDirLockedError } from '../../db/data-dir-lock.ts';
import { UnrecognisedExportError } from '../collector/import/read-audit-file.ts';
import { ConfigError, type Config } from '../config.ts';
import { AppError } from '../errors.ts';
import { safeErrorMessage } from '../log.ts';
import type { PgBoss } from '../worker/queue.ts';

/**
 * Where a command writes: the terminal when the CLI runs it, the control socket's response when
 * the running server runs it for a CLI (control.ts). Commands never touch `console` or
 * `process.exitCode`, so the same handler serves both.
 */
export type CliIo = {
  stdout: NodeJS.WritableStream;
  /** Messages and the progress bar. */
  stderr: NodeJS.WritableStream;
  /** The invoking terminal shows a progress bar (stderr is a TTY). */
  isTTY: boolean;
  exitCode: number;
  /** The invoking process's environment, for settings a command reads from it (`TW_CLIENT_SECRET`). */
  env: Readonly<Record<string, string | undefined>>;
  /** The file to read for a path the user named (inside the server: the bytes the CLI sent). */
  inputFile(path: string): string;
};

/** The environment variables a forwarded command takes along to the server. */
export const FORWARDED_ENV = ['TW_CLIENT_SECRET'] as const;

export function print(io: CliIo, line: string) {
  io.stdout.write(line + '\n');
}

export function printError(io: CliIo, line: string) {
  io.stderr.write(line + '\n');
}

export function printTable(io: CliIo, head: string[], rows: string[][]) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const row of [head, ...rows])
    print(
      io,
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}

/** A command's failure as the one line the CLI prints. */
export function describeError(err: unknown): string {
  if (err instanceof AppError || err instanceof ConfigError || err instanceof UnrecognisedExportError || err instanceof DataDirLockedError) return err.message;
  if (err instanceof Error && 'issues' in err) {
    return (err as { issues: { path: PropertyKey[]; message: string }[] }).issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
  }
  if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return `file not found: ${(err as Error & { path?: string }).path ?? err.message}`;
  // Database errors carry their statement and parameters; print neither.
  return safeErrorMessage(err);
}

/** What a command that reads or writes the data gets. */
export type CommandEnv = {
  io: CliIo;
  database: Database;
  config: Config;
  /** The running server's queue, when the server runs the command. */
  boss?: PgBoss;
};

export type CommandHost = {
  io: CliIo;
  /** `cli`: this process runs the command; `server`: the running server runs it for a CLI. */
  where: 'cli' | 'server';
  /**
   * Runs a command's work on the data: in the CLI, through the running server when one owns the
   * data dir, else on the data dir opened (and held) for the command; in the server, on its own
   * database. `file` is a file the command reads, sent along to the server.
   */
  run(command: string, work: (env: CommandEnv) => Promise<void>, options?: { file?: string }): Promise<void>;
};
