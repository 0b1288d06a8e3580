/**
 * The configuration sits at the bottom of the imports: every module may read it, so nothing it
 * imports may lead back to it (a cycle through config.ts makes module load order matter, and
 * once made config.ts and microsoft/endpoints.ts depend on each other). Type-only imports count.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, test } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG = resolve(root, 'services/config.ts');

/** Relative imports and re-exports of a file, resolved to files. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => resolve(dirname(file), name))
    .filter((path) => existsSync(path));
}

/** Every import path that starts at config.ts and comes back to it. */
function cyclesThroughConfig(): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const walk = (file: string, path: string[]) => {
    for (const next of importsOf(file)) {
      if (next === CONFIG) cycles.push([...path, next]);
      else if (!done.has(next) && !path.includes(next)) walk(next, [...path, next]);
    }
    done.add(file);
  };
  walk(CONFIG, [CONFIG]);
  return cycles.map((c) => c.map((f) => relative(root, f)));
}

test('no import cycle goes through services/config.ts', () => {
  expect(importsOf(CONFIG).length).toBeGreaterThan(0);
  expect(cyclesThroughConfig()).toEqual([]);
});
