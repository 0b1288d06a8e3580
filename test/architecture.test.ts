import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

/**
 * The layout's rules, checked over the imports of every .ts file in db/, services/ and enrichment/
 * (docs/architecture.md explains them):
 * - imports run one way: a room imports rooms of its own layer or below, never above;
 * - no import cycle between rooms;
 * - the simulators stand in for outside systems: they import no product room, and only the demo
 *   imports them;
 * - product folders hold product code: every module there is reached from an entry point (the
 *   CLI, the Workers entry, the simulator's command), or it is test or bench support and belongs
 *   in test/ or bench/.
 * Tests (`*.test.ts`) are not product code and may import anything. Each failure names the
 * offending import (file → file).
 */
const ROOT = resolve(import.meta.dirname, '..');
const PRODUCT_FOLDERS = ['db', 'services', 'enrichment'];

/** Layers, bottom first. A room may import its own layer and the layers below. */
const LAYERS: { name: string; rooms: string[] }[] = [
  // Kernels: shared by every stage. IP intelligence (enrichment/ip) is one: detection rules read it as well as enrichment.
  { name: 'kernel', rooms: ['db', 'config', 'log', 'crypto', 'errors', 'http-keep-alive', 'net', 'microsoft', 'language', 'activity', 'ip-intel'] },
  // The stages, in the order a record flows; a later stage may import an earlier one.
  { name: 'stage 1 (collector)', rooms: ['collector'] },
  { name: 'stage 2 (detection)', rooms: ['detection'] },
  { name: 'stage 3 (enrichment)', rooms: ['enrichment'] },
  { name: 'stage 4 (notify)', rooms: ['notify'] },
  { name: 'stage 5 (psa)', rooms: ['psa'] },
  { name: 'stage 6 (remediation)', rooms: ['remediation'] },
  // In-process chaining of stages (import → detect), used by core verbs and adapters.
  { name: 'orchestration', rooms: ['pipeline'] },
  { name: 'core verbs', rooms: ['core'] },
  // Adapters: the HTTP API, the queue workers, the built-in demo.
  { name: 'adapter', rooms: ['api', 'worker', 'demo'] },
  // The composition root: one process with the API, the workers and the demo.
  { name: 'runtime', rooms: ['runtime'] },
  // The command line: `start` runs the runtime, `openapi` prints the API's document.
  { name: 'cli', rooms: ['cli'] },
];
/**
 * Test and demo infrastructure outside the layers (notify starts the built-in SMTP sink of the
 * embedded default): imports no product room (save plumbing with no
 * product meaning, listed in `mayImport`); only the rooms in `importedBy` import it.
 */
const SIM = { room: 'sim', importedBy: ['demo', 'notify'], mayImport: ['http-keep-alive'] };

/**
 * Imports that break the rules on purpose, each with its reason. Nothing else belongs here: fix a
 * new violation instead.
 */
const ALLOWED: { from: string; to: string; why: string }[] = [
  {
    from: 'services/language/fields.ts',
    to: 'enrichment/entities/snapshots.ts',
    why: 'a type-only import: the field registry names snapshot paths through the snapshot contract, so a renamed snapshot field fails typecheck; nothing is imported at run time',
  },
];

/** Modules no entry point reaches that are product code all the same (not test or bench support). */
const UNREACHED_BY_DESIGN: { path: RegExp; why: string }[] = [
  { path: /^services\/detection\/rules\/.*\.cases\.ts$/, why: "a rule's labelled cases sit beside it (rules.test.ts runs them)" },
  { path: /^services\/detection\/rules\/fixtures\//, why: 'record builders of the labelled cases' },
  { path: /^services\/sim\//, why: 'the simulators: test, bench and demo infrastructure' },
  { path: /\.d\.ts$/, why: 'type declarations' },
  { path: /^services\/language\/reference\.ts$/, why: 'generates the field reference in services/language/README.md (npx tsx)' },
];

function productFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.push(path);
    }
  };
  for (const folder of PRODUCT_FOLDERS) walk(folder);
  return files.sort();
}

/** The relative imports of a file (static, dynamic, `export … from`, type-only), as root-relative paths. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) =>
      relative(ROOT, normalize(join(ROOT, dirname(file), spec)))
        .split('\\')
        .join('/'),
    );
}

function roomOf(file: string): string {
  const [top, second] = file.split('/');
  if (top === 'db') return 'db';
  if (top === 'enrichment') return second === 'ip' ? 'ip-intel' : 'enrichment';
  if (top === 'services' && second) return second.replace(/(\.test)?\.ts$/, '');
  return top!;
}

const layerOf = new Map(LAYERS.flatMap((layer, rank) => layer.rooms.map((room) => [room, { rank, name: layer.name }] as const)));
const isProduct = (file: string) => PRODUCT_FOLDERS.some((folder) => file.startsWith(`${folder}/`));
const isTest = (file: string) => file.endsWith('.test.ts');
const allowed = (from: string, to: string) => ALLOWED.some((a) => a.from === from && a.to === to);

const files = productFiles();
/** Every import from a product module to another, across rooms. */
const crossings = files
  .filter((file) => !isTest(file))
  .flatMap((from) => importsOf(from).map((to) => ({ from, to, fromRoom: roomOf(from), toRoom: roomOf(to) })))
  .filter((i) => isProduct(i.to) && i.fromRoom !== i.toRoom);
const show = (i: { from: string; to: string }) => `${i.from} → ${i.to}`;

describe('layout', () => {
  test('every room is in a layer', () => {
    const rooms = new Set(files.filter((file) => !isTest(file)).map(roomOf));
    const unplaced = [...rooms].filter((room) => !layerOf.has(room) && room !== SIM.room);
    expect(unplaced, 'rooms missing from LAYERS in test/architecture.test.ts (and from docs/architecture.md)').toEqual([]);
  });

  test('imports run downward: a room imports its own layer and those below', () => {
    const upward = crossings
      .filter((i) => layerOf.has(i.fromRoom) && layerOf.has(i.toRoom) && !allowed(i.from, i.to))
      .filter((i) => layerOf.get(i.toRoom)!.rank > layerOf.get(i.fromRoom)!.rank)
      .map((i) => `${show(i)} (${layerOf.get(i.fromRoom)!.name} imports ${layerOf.get(i.toRoom)!.name})`);
    expect(upward, 'upward imports').toEqual([]);
  });

  test('no import cycle between rooms', () => {
    const edges = crossings.filter((i) => !allowed(i.from, i.to));
    const next = new Map<string, Set<string>>();
    for (const e of edges) (next.get(e.fromRoom) ?? next.set(e.fromRoom, new Set()).get(e.fromRoom)!).add(e.toRoom);
    /** The shortest path of rooms from one room to another, or null. */
    const path = (from: string, to: string): string[] | null => {
      const previous = new Map<string, string>([[from, from]]);
      const queue = [from];
      while (queue.length > 0) {
        const room = queue.shift()!;
        if (room === to) {
          const rooms = [to];
          while (rooms[0] !== from) rooms.unshift(previous.get(rooms[0]!)!);
          return rooms;
        }
        for (const n of next.get(room) ?? []) {
          if (previous.has(n)) continue;
          previous.set(n, room);
          queue.push(n);
        }
      }
      return null;
    };
    // Each cycle once, with one import that makes each of its steps.
    const cycles = new Map<string, string>();
    for (const e of edges) {
      const back = path(e.toRoom, e.fromRoom);
      if (!back) continue;
      const rooms = [e.fromRoom, ...back];
      const ring = rooms.slice(0, -1);
      const start = ring.indexOf([...ring].sort()[0]!);
      const key = [...ring.slice(start), ...ring.slice(0, start)].join(' → ');
      if (cycles.has(key)) continue;
      const steps = rooms.slice(0, -1).map((room, i) => show(edges.find((x) => x.fromRoom === room && x.toRoom === rooms[i + 1])!));
      cycles.set(key, `${rooms.join(' → ')}: ${steps.join('; ')}`);
    }
    expect([...cycles.values()], 'import cycles between rooms').toEqual([]);
  });

  test('the simulators import no product room, and only the demo imports them', () => {
    const wrong = crossings
      .filter(
        (i) =>
          (i.fromRoom === SIM.room && i.toRoom !== SIM.room && !SIM.mayImport.includes(i.toRoom)) ||
          (i.toRoom === SIM.room && !SIM.importedBy.includes(i.fromRoom)),
      )
      .filter((i) => !allowed(i.from, i.to))
      .map(show);
    expect(wrong, 'imports across the simulators’ boundary').toEqual([]);
  });

  test('product folders hold no test or bench support: every module is reached from an entry point', () => {
    const unreached = [...unreachedModules()].filter((file) => !UNREACHED_BY_DESIGN.some((u) => u.path.test(file)));
    expect(unreached, 'modules only tests or benchmarks import: move them to test/helpers/ or bench/').toEqual([]);
  });
});

/** Entry points named by the package: the CLI's bin, the scripts, the Workers entry and its aliases. */
function entryPoints(): string[] {
  const texts = [
    ...readdirSync(join(ROOT, 'bin')).map((f) => readFileSync(join(ROOT, 'bin', f), 'utf8').replaceAll('../', '')),
    JSON.stringify(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts),
    readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'),
  ];
  const found = texts.flatMap((text) => [...text.matchAll(/(?:\.\/)?((?:db|services|enrichment)\/[\w./-]+\.ts)/g)].map((m) => m[1]!));
  return [...new Set(found)];
}

function unreachedModules(): Set<string> {
  const entries = entryPoints();
  const reached = new Set<string>();
  const stack = [...entries];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (reached.has(file) || !files.includes(file)) continue;
    reached.add(file);
    stack.push(...importsOf(file));
  }
  return new Set(files.filter((file) => !isTest(file) && !reached.has(file)));
}

test('the entry points are found (the reachability check above depends on them)', () => {
  expect(entryPoints()).toEqual(expect.arrayContaining(['services/cli/main.ts', 'services/api/edge/index.ts', 'services/sim/m365/main.ts']));
});
