import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where suites leave what they covered; `npm run test:counts` renders it into test/README.md. */
export const COUNTS_DIR = fileURLToPath(new URL('../.coverage-counts/', import.meta.url));

/**
 * Records what a suite covered in this run (routes, requests, payloads, runs, faults): counted
 * by the suite as it runs, never typed in by hand. One file per suite, replaced on each run.
 */
export function recordCounts(suite: string, counts: Record<string, number>): void {
  mkdirSync(COUNTS_DIR, { recursive: true });
  const database = process.env.DATABASE_URL ? 'postgres' : 'pglite';
  writeFileSync(`${COUNTS_DIR}${suite.replace(/[/\\:]/g, '_')}.json`, `${JSON.stringify({ suite, database, counts }, null, 2)}\n`);
}
