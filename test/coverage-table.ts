/**
 * Renders test/README.md's coverage table from what the suites recorded in their last run
 * (test/.coverage-counts/, written by test/helpers/coverage-counts.ts and the counts reporter):
 * `npm run test:counts` after `npm test` or the suites named in the table.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('./.coverage-counts/', import.meta.url));
const README = fileURLToPath(new URL('./README.md', import.meta.url));
const START = '<!-- coverage-counts:start -->';
const END = '<!-- coverage-counts:end -->';

type Recorded = { suite: string; database: string; counts: Record<string, number> };
const recorded = new Map<string, Recorded>(
  existsSync(DIR)
    ? readdirSync(DIR)
        .filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(readFileSync(DIR + f, 'utf8')) as Recorded)
        .map((r) => [r.suite, r])
    : [],
);
const missing: string[] = [];
const get = (suite: string): Recorded['counts'] => {
  const r = recorded.get(suite);
  if (!r) missing.push(suite);
  return r?.counts ?? {};
};
const n = (v: number | undefined) => (v === undefined ? '—' : v.toLocaleString('en-US'));
const casesOf = (file: string) => get(`tests:${file}`);
const filesUnder = (prefix: string) =>
  [...recorded.keys()]
    .filter((s) => s.startsWith(`tests:${prefix}`))
    .map((s) => s.slice('tests:'.length))
    .sort();

const rows: string[][] = [];
const iso = get('isolation');
rows.push([
  'Isolation (test/api-security.test.ts)',
  `${n(iso.routes)} routes in the OpenAPI document (${n(iso.routesWithIds)} with an id, ${n(iso.guardedRoutes)} guarded by a permission); ${n(iso.roleCases)} route × role cases`,
  `${n(iso.requests)} requests: another MSP's ids by token and by session against missing ids, ids in queries, each role`,
]);
const pages = get('pages');
rows.push([
  'Pages with ids (test/security/page-routes.test.ts)',
  `${n(pages.pagesWithParameters)} pages with an id or token in the address`,
  `${n(pages.covered)} tied to the browser or API test that checks them`,
]);
const headers = get('headers');
rows.push([
  'Headers (test/security/headers.test.ts)',
  `${n(headers.requests)} requests: API, event stream, pages, static files, reference, /metrics`,
  `${n(headers.headerChecks)} header assertions`,
]);
for (const file of [...filesUnder('test/security'), 'test/bad-input.test.ts'].filter((f) => !/headers|page-routes/.test(f))) {
  const c = casesOf(file);
  rows.push([`Hostile input and auth: ${file}`, `${n(c.passed)} cases passed`, c.failed ? `${n(c.failed)} FAILED` : '']);
}
for (const suite of ['language', 'normalizers', 'import', 'client-ip']) {
  const { properties, runs, ...rest } = get(`fuzz-${suite}`);
  const extra = Object.entries(rest)
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(', ');
  rows.push([`Fuzz: ${suite}`, `${n(properties)} properties, ${n(runs)} runs (FUZZ_RUNS raises them)`, extra]);
}
for (const file of ['test/collector-crash.test.ts', 'test/notify-crash.test.ts', 'test/psa-crash.test.ts', 'test/data-dir-owner.test.ts']) {
  const c = casesOf(file);
  rows.push([`Faults: ${file}`, `${n(c.passed)} fault cases passed`, c.failed ? `${n(c.failed)} FAILED` : '']);
}

const databases = [...new Set([...recorded.values()].map((r) => r.database))].join(', ');
const table = [
  `Counts from the last run of each suite (database: ${databases || 'none yet'}), rendered by \`npm run test:counts\`.`,
  '',
  '| what | covered | checked |',
  '| --- | --- | --- |',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
  ...(missing.length ? ['', `Not run yet: ${missing.join(', ')}.`] : []),
].join('\n');

const readme = readFileSync(README, 'utf8');
const start = readme.indexOf(START);
const end = readme.indexOf(END);
if (start < 0 || end < start) throw new Error(`test/README.md needs the markers ${START} and ${END}`);
writeFileSync(README, `${readme.slice(0, start + START.length)}\n${table}\n${readme.slice(end)}`);
console.log(table);
