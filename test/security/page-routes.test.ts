import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../helpers/browser.ts';
import { recordCounts } from '../helpers/coverage-counts.ts';

/**
 * Every page of the web app whose address carries an id or a token is checked, in a browser,
 * for what it shows to someone the object is not theirs (or to a stale link): another MSP's
 * event renders the same "Page not found" as an id that does not exist. Pages are found in
 * web/src/routes, so a new page with a parameter fails here until a test covers it.
 */
const ROUTES = join(ROOT, 'web/src/routes');

/** Page with a parameter → the test that covers it, and text that test must hold. */
const COVERED: Record<string, { test: string; proves: RegExp }> = {
  '(app)/events/[id]': { test: 'test/e2e/event-page.test.ts', proves: /another MSP's event is the app's 404, exactly like an id that does not exist/ },
  // A used, revoked, expired or unknown link says which, and never whose (test/security/setup-links.test.ts).
  'setup/[token]': { test: 'test/security/setup-links.test.ts', proves: /setup\/\$\{'x'\.repeat\(43\)\}`\)\)\.status\)\.toBe\(404\)/ },
  'signup/[[token]]': { test: 'test/e2e/signup.test.ts', proves: /signup\/\$\{|\/signup\// },
  // The catch-all renders "Page not found" for every address no page claims (test/e2e/shell.test.ts).
  '(app)/[...path]': { test: 'test/e2e/shell.test.ts', proves: /Page not found/ },
};

function pagesWithParameters(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (!statSync(path).isDirectory()) continue;
    const route = relative(ROUTES, path);
    if (/\[/.test(name) && readdirSync(path).some((f) => f.startsWith('+page'))) found.push(route);
    found.push(...pagesWithParameters(path));
  }
  return found;
}

describe('pages with an id or a token in their address', () => {
  const pages = pagesWithParameters(ROUTES);

  test('each is covered by a test that checks what a stranger sees', () => {
    expect(pages.length).toBeGreaterThan(0);
    expect(
      pages.filter((p) => !COVERED[p]),
      'add these pages to COVERED with the test that checks them',
    ).toEqual([]);
    recordCounts('pages', { pagesWithParameters: pages.length, covered: pages.filter((p) => COVERED[p]).length });
  });

  test.each(Object.entries(COVERED))('%s: its test is there and says so', (page, { test: file, proves }) => {
    expect(pages, `${page} is no longer a page: remove it from COVERED`).toContain(page);
    expect(readFileSync(join(ROOT, file), 'utf8')).toMatch(proves);
  });
});
