import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ImportAndDetectProgress } from '../../pipeline/import-and-detect.ts';
import type { Ctx } from '../context.ts';
import { runImport, type ImportRunDeps } from './run-import.ts';
import { startImport } from './start-import.ts';

/**
 * Imports an audit export from a local file in the foreground (the command line): the same run
 * record, checks and audit entry as an upload through the API.
 * @example const { summary } = await importAuditExport({ ctx, deps: { db }, input: { tenantId, path: 'audit.csv' } })
 */
export async function importAuditExport({
  ctx,
  deps,
  input,
  onProgress,
}: {
  ctx: Ctx;
  deps: Omit<ImportRunDeps, 'db'>;
  /** `fileName` names the run when `path` is a copy (a file the command line sent to the running server). */
  input: { tenantId: string; path: string; fileName?: string };
  onProgress?: (progress: ImportAndDetectProgress) => void;
}) {
  const { size } = await stat(input.path);
  const { run, tenant } = await startImport({ ctx, input: { tenantId: input.tenantId, fileName: input.fileName ?? basename(input.path), sizeBytes: size } });
  const summary = await runImport({ ...deps, db: ctx.db }, run.id, input.path, onProgress);
  return { importId: run.id, tenant, summary };
}
