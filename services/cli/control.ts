import { randomUUID } from 'node:crypto';
import { chmodSync, createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Runtime } from '../runtime.ts';
import { type CliIo, type CommandHost, describeError, FORWARDED_ENV, printError } from './io.ts';

/**
 * The running server's control socket: while `tenantwatch start` owns a PGlite data dir, a CLI
 * command on the same data dir is sent here and the server runs the very same command handler on
 * its own database. HTTP over a Unix socket in a 0700 directory of the data dir, the socket
 * itself 0600: only the data dir's owner reaches it.
 *
 * Request: `POST /run`, the header `x-tenantwatch-command` (base64url JSON: argv, terminal,
 * environment) and, when the command reads a file, the file's bytes as the body.
 * Response: JSON lines `{"out": text}`, `{"err": text}`, and last `{"exit": code}`.
 */
type CommandRequest = {
  argv: string[];
  isTTY: boolean;
  columns?: number;
  env: Record<string, string>;
  /** A file the command reads follows as the body; its extension keeps the uploaded copy readable as the same kind. */
  file?: { path: string; ext: string };
};

const HEADER = 'x-tenantwatch-command';
/** Unix socket paths are limited to about 104 bytes (macOS) to 108 (Linux). */
const MAX_SOCKET_PATH = 100;

export type ControlServer = { socketPath: string; close(): Promise<void> };

/**
 * Serves the control socket for `runtime` (PGlite only) and records its path in the data dir's
 * lock, where the CLI looks for it. `execute` runs one command line on a host.
 */
export async function startControlServer(runtime: Runtime, execute: (argv: string[], host: CommandHost) => Promise<unknown>): Promise<ControlServer> {
  const { dataDir } = runtime.config;
  const lock = runtime.database.dataDirLock;
  if (!lock) throw new Error('the control socket serves a PGlite data dir only');
  let dir = resolve(dataDir, 'run');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  if (join(dir, 'control.sock').length > MAX_SOCKET_PATH) dir = mkdtempSync(join(tmpdir(), 'tenantwatch-'));
  const socketPath = join(dir, 'control.sock');
  // We hold the data dir's lock, so a socket file left here is a dead owner's.
  rmSync(socketPath, { force: true });

  const running = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const done = handle(req, res).finally(() => running.delete(done));
    running.add(done);
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (req.method !== 'POST' || req.url !== '/run' || typeof req.headers[HEADER] !== 'string') {
      res.writeHead(404).end();
      return;
    }
    let meta: CommandRequest;
    try {
      meta = JSON.parse(Buffer.from(req.headers[HEADER], 'base64url').toString('utf8')) as CommandRequest;
      if (!Array.isArray(meta.argv)) throw new Error('argv');
    } catch {
      res.writeHead(400).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const send = (message: object) => res.write(JSON.stringify(message) + '\n');
    const stream = (key: 'out' | 'err') => {
      const w = new Writable({
        write(chunk: Buffer | string, _enc, cb) {
          send({ [key]: chunk.toString() });
          cb();
        },
      });
      // The progress bar draws only on a terminal: the invoking one, here.
      return Object.assign(w, { isTTY: meta.isTTY, columns: meta.columns ?? 80 });
    };
    let uploaded: string | undefined;
    const io: CliIo = {
      stdout: stream('out'),
      stderr: stream('err'),
      isTTY: meta.isTTY,
      exitCode: 0,
      env: meta.env ?? {},
      inputFile: (path) => (uploaded && path === meta.file?.path ? uploaded : path),
    };
    try {
      if (meta.file) {
        const ext = /^\.[\w.-]{1,16}$/.test(meta.file.ext) ? meta.file.ext : '';
        uploaded = join(dir, `upload-${randomUUID()}${ext}`);
        await pipeline(req, createWriteStream(uploaded, { mode: 0o600 }));
      } else {
        req.resume();
      }
      const host: CommandHost = {
        io,
        where: 'server',
        run: (_command, work) => work({ io, database: runtime.database, config: runtime.config, boss: runtime.boss }),
      };
      await execute(meta.argv, host);
    } catch (err) {
      printError(io, `tenantwatch: ${describeError(err)}`);
      io.exitCode = 1;
    } finally {
      if (uploaded) rmSync(uploaded, { force: true });
    }
    send({ exit: io.exitCode });
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  chmodSync(socketPath, 0o600);
  lock.update({ socketPath });
  runtime.log.info({ socketPath }, 'control socket ready: CLI commands on this data dir run here');

  return {
    socketPath,
    async close() {
      lock.update({ socketPath: null });
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...running]);
      rmSync(socketPath, { force: true });
    },
  };
}

/** The server refused or vanished (stopping, or not listening yet): the CLI looks again. */
export class ControlUnavailableError extends Error {}

/**
 * Sends a command line to the running server and relays its output and exit code to `io`.
 * `file` (a path the command reads) is read here and sent as the body.
 */
export async function forwardCommand(socketPath: string, argv: string[], io: CliIo, file?: string): Promise<void> {
  // Checked here, so a missing file reads exactly as without a server.
  if (file) statSync(file);
  const env: Record<string, string> = {};
  for (const name of FORWARDED_ENV) if (io.env[name] !== undefined) env[name] = io.env[name];
  const meta: CommandRequest = {
    argv,
    isTTY: io.isTTY,
    columns: (io.stderr as { columns?: number }).columns,
    env,
    ...(file ? { file: { path: file, ext: extname(file) } } : {}),
  };
  await new Promise<void>((resolve, reject) => {
    let started = false;
    const req = request({ socketPath, path: '/run', method: 'POST', headers: { [HEADER]: Buffer.from(JSON.stringify(meta)).toString('base64url') } }, (res) => {
      started = true;
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`the running server refused the command (HTTP ${res.statusCode})`));
        return;
      }
      let buffered = '';
      let exit: number | undefined;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const message = JSON.parse(buffered.slice(0, nl)) as { out?: string; err?: string; exit?: number };
          buffered = buffered.slice(nl + 1);
          if (message.out !== undefined) io.stdout.write(message.out);
          if (message.err !== undefined) io.stderr.write(message.err);
          if (message.exit !== undefined) exit = message.exit;
        }
      });
      res.on('end', () => {
        if (exit === undefined)
          reject(new Error('the running server stopped before the command finished; check with `tenantwatch` again whether it took effect'));
        else {
          io.exitCode = exit;
          resolve();
        }
      });
      res.on('error', reject);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!started && (err.code === 'ECONNREFUSED' || err.code === 'ENOENT')) reject(new ControlUnavailableError(err.message));
      else reject(err);
    });
    if (file) {
      createReadStream(file).on('error', reject).pipe(req);
    } else {
      req.end();
    }
  });
}
