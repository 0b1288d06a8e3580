import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Db } from '../../../db/client.ts';
import type { IpIntelService } from '../../../enrichment/ip/index.ts';
import type { ImportSummary } from '../../collector/import/import-summary.ts';
import { AppError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { Ctx } from '../context.ts';
import { failInterruptedImports, runImport, touchImports } from './run-import.ts';
import { checkImportTarget, startImport } from './start-import.ts';

export class ImportTooLargeError extends AppError {
  readonly status = 413;
  readonly code = 'payload_too_large';
}

/** A run whose heartbeat is older than this was left by a process that stopped. */
const STALE_SECONDS = 60;
/** How often a process renews its runs' heartbeat and looks for interrupted ones. */
const HEARTBEAT_MS = 15_000;

export type ImportRunner = {
  /**
   * Checks the caller may import into the tenant, saves the upload to a file (refusing more
   * than `maxBytes` with 413), records the run as queued and starts it in the background.
   * Imports of one process run one after another, so a large one never starves the others'
   * requests of the database.
   */
  accept(ctx: Ctx, input: { tenantId: string; fileName: string }, body: ReadableStream<Uint8Array> | null, declaredBytes?: number): Promise<{ id: string }>;
  /** Resolves once every accepted import has finished (tests, shutdown). */
  idle(): Promise<void>;
  stop(): void;
};

/**
 * Background imports in the server process. At creation (and every HEARTBEAT_MS after), runs
 * left queued or running by a process that stopped are failed ("interrupted; import the file
 * again"); leftover files are removed.
 * `afterRun` hands the raised events on (the enrichment queue).
 */
export function createImportRunner(deps: {
  db: Db;
  log: Logger;
  dir: string;
  maxBytes: number;
  ipIntel?: IpIntelService;
  afterRun?: (summary: ImportSummary) => Promise<void>;
}): ImportRunner {
  const active = new Set<string>();
  let chain: Promise<void> = Promise.resolve();
  const sweep = async () => {
    // First our own runs' heartbeat, so they never look interrupted to anyone.
    await touchImports(deps.db, [...active]);
    const failed = await failInterruptedImports(deps.db, STALE_SECONDS);
    if (failed.length > 0) deps.log.warn({ imports: failed }, 'imports interrupted by a stopped process were marked failed');
  };
  const ready = (async () => {
    await sweep();
    // Files of runs that no process is reading any more (this directory is this process's own).
    const leftovers = await readdir(deps.dir).catch(() => []);
    for (const name of leftovers) if (name.endsWith('.upload')) await rm(join(deps.dir, name), { force: true });
  })().catch((err: unknown) => deps.log.error({ err }, 'could not check for interrupted imports'));
  // Also later: a run whose process stopped shortly before this one started looks interrupted only after STALE_SECONDS.
  const timer = setInterval(() => void sweep().catch((err: unknown) => deps.log.warn({ err }, 'could not check imports')), HEARTBEAT_MS);
  timer.unref();

  return {
    async accept(ctx, input, body, declaredBytes) {
      await checkImportTarget({ ctx, tenantId: input.tenantId });
      const tooLarge = () =>
        new ImportTooLargeError(
          `The file is larger than this server accepts for import (${deps.maxBytes} bytes, TW_IMPORT_MAX_BYTES); split the export or import it with \`tenantwatch import\`.`,
        );
      if (declaredBytes !== undefined && declaredBytes > deps.maxBytes) throw tooLarge();
      await ready;
      await mkdir(deps.dir, { recursive: true, mode: 0o700 });
      const path = join(deps.dir, `${randomUUID()}.upload`);
      let bytes = 0;
      try {
        const counter = new Transform({
          transform(chunk: Buffer, _enc, done) {
            bytes += chunk.length;
            done(bytes > deps.maxBytes ? tooLarge() : null, chunk);
          },
        });
        const source = body ? Readable.fromWeb(body as WebReadableStream<Uint8Array>) : Readable.from([]);
        await pipeline(source, counter, createWriteStream(path, { mode: 0o600 }));
      } catch (err) {
        await rm(path, { force: true });
        throw err;
      }
      let id: string;
      try {
        ({
          run: { id },
        } = await startImport({ ctx, input: { tenantId: input.tenantId, fileName: input.fileName, sizeBytes: bytes } }));
      } catch (err) {
        await rm(path, { force: true });
        throw err;
      }
      active.add(id);
      chain = chain.then(async () => {
        try {
          const summary = await runImport({ db: deps.db, log: deps.log, ipIntel: deps.ipIntel }, id, path);
          await deps.afterRun?.(summary).catch((err: unknown) => deps.log.error({ err, importId: id }, 'could not hand on the events of an import'));
        } catch {
          // runImport recorded the failure on the run (and logged what was unexpected).
        } finally {
          active.delete(id);
          await rm(path, { force: true });
        }
      });
      return { id };
    },
    idle: () => chain,
    stop() {
      clearInterval(timer);
    },
  };
}
