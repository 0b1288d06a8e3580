/**
 * The Import page end to end: the real product (API, background import, detection, database,
 * built web app) in this process and Debian's Chromium. A technician picks a tenant and a JSON
 * lines export with one bad line, uploads it, follows its progress and reads the same summary the
 * command line prints; the Report link shows the events it raised; the upload is in the list of
 * recent imports. Read-only users get no Import entry. axe-core finds no serious problem.
 *
 * Needs /usr/bin/chromium. Screenshots go to test/e2e/screenshots/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tenant } from '../../db/schema/index.ts';
import { inboxRule } from '../../services/detection/rules/fixtures/case-records.ts';
import type { Runtime } from '../../services/runtime.ts';
import { addMember, seedMsp, type Member } from '../helpers/app.ts';
import { ensureWebBuild, launchChromium, productHost, SCREENSHOTS, seriousAccessibilityProblems, watchPage, type ProductHost } from '../helpers/browser.ts';

let runtime: Runtime;
let browser: Browser | undefined;
let host: ProductHost | undefined;
let base: string;
let tech: Member;
let readOnly: Member;
const files = mkdtempSync(join(tmpdir(), 'tw-e2e-import-files-'));
let exportFile: string;

/** The audit log's `CreationTime` form (UTC, no `Z`) of a moment `ago` milliseconds before now. */
const ualAgo = (ago: number) => new Date(Date.now() - ago).toISOString().replace(/\.\d{3}Z$/, '');

async function signIn(p: Page, member: Pick<Member, 'email' | 'password'>, path: string): Promise<void> {
  await p.goto(path);
  await p.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await p.getByLabel('Email').fill(member.email);
  await p.getByLabel('Password', { exact: true }).fill(member.password);
  await p.getByRole('button', { name: 'Sign in' }).click();
}

beforeAll(async () => {
  ensureWebBuild();
  host = await productHost('import');
  base = host.base;
  runtime = (await host.start({ TW_COLLECT_INTERVAL_MINUTES: '600' })).runtime;
  const owner = await seedMsp(runtime.database, 'owner', 'Northwind IT Services');
  tech = await addMember(runtime.database, owner.mspId, 'technician');
  readOnly = await addMember(runtime.database, owner.mspId, 'read_only');
  await runtime.database.db.insert(tenant).values([
    { mspId: owner.mspId, tenantGuid: crypto.randomUUID(), name: 'Contoso', primaryDomain: 'contoso.com', authMode: 'consent' },
    { mspId: owner.mspId, tenantGuid: crypto.randomUUID(), name: 'Fabrikam', primaryDomain: 'fabrikam.com', authMode: 'consent' },
  ]);

  // Two forwarding inbox rules (two events) and, on line 2, a line that is no record.
  const forward = (user: string, ago: number) => {
    const raw = inboxRule({ user, name: 'archive', parameters: [['ForwardTo', 'x@outside.example']] }).raw as { CreationTime: string };
    raw.CreationTime = ualAgo(ago);
    return JSON.stringify(raw);
  };
  exportFile = join(files, 'contoso-audit.jsonl');
  writeFileSync(
    exportFile,
    [forward('megan.bowen@contoso.com', 2 * 3_600_000), 'not a record', forward('adele.vance@contoso.com', 3_600_000)].join('\n') + '\n',
  );

  browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  rmSync(files, { recursive: true, force: true });
}, 60_000);

describe('Import page', () => {
  test('a technician uploads an export, follows it, reads the summary, and opens its events in the Report', async () => {
    const context = await browser!.newContext({ viewport: { width: 1440, height: 900 }, baseURL: base });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const watch = await watchPage(page);
    await signIn(page, tech, '/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Import' }).click();
    await page.waitForURL(`${base}/import`);
    await page.getByRole('heading', { level: 1, name: 'Import an audit export' }).waitFor();
    expect(await page.getByText('None yet.').isVisible()).toBe(true);

    // Without a tenant the form says what is missing.
    await page.getByLabel('Export file').setInputFiles(exportFile);
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByText('Choose the tenant the export comes from.').waitFor();

    await page.getByLabel('Tenant', { exact: true }).selectOption({ label: 'Contoso' });
    await page.getByRole('button', { name: 'Import' }).click();
    const summary = page.getByTestId('import-summary');
    await summary.waitFor();
    const lines = (await summary.locator('pre').textContent())!.split('\n');
    expect(lines[0]).toBe('Imported 2 records into Contoso from contoso-audit.jsonl (json-lines): 0 already stored, 1 quarantined.');
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}line 2: line is not valid JSON/));
    expect(lines.at(-1)).toBe('Detection: 2 records examined, 2 events raised, 0 events updated.');
    expect(await summary.getByText('Partly imported').isVisible()).toBe(true);

    // The upload is in the recent imports.
    const row = page.getByTestId('import-row').filter({ hasText: 'contoso-audit.jsonl' });
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain(tech.email);
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'import.png'), fullPage: true });

    await summary.getByRole('link', { name: 'Show the 2 events in the Report' }).click();
    await page.waitForURL((url) => url.pathname === '/' && url.searchParams.get('filter')?.startsWith('Event.Id IN (') === true);
    await page.locator('tr[data-event-id]').first().waitFor();
    await expect.poll(() => page.locator('tr[data-event-id]').count()).toBe(2);
    const text = (await page.locator('tr[data-event-id]').allTextContents()).join(' ');
    expect(text).toContain('megan.bowen@contoso.com');
    expect(text).toContain('adele.vance@contoso.com');

    expect(watch.problems).toEqual([]);
    expect(await watch.cspViolations()).toEqual([]);
    await context.close();
  }, 180_000);

  test('read-only users have no Import entry, and the page tells them why', async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 800 }, baseURL: base });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await signIn(page, readOnly, '/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Report' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Import' }).count()).toBe(0);
    await page.goto('/import');
    await page.getByRole('heading', { name: 'Importing needs the technician role' }).waitFor();
    await context.close();
  }, 120_000);
});
