/**
 * The Report page end to end: the real product in this process (API, queue workers, database,
 * built web app), a simulated Microsoft 365 tenant whose day holds a business email compromise,
 * collected, detected and enriched by the ordinary pipeline, and Debian's Chromium driving the
 * page: filters, sorting and paging through the address (Back and Forward), the filter-language
 * box (inline errors, autocomplete), the CSV link, live updates over server-sent events, counts
 * by severity and an accessibility check with axe-core.
 *
 * Needs /usr/bin/chromium. Screenshots go to test/e2e/screenshots/ (report.png on every run).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, count, eq } from 'drizzle-orm';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventEntity, securityEvent, tenant } from '../../db/schema/index.ts';
import { ingestRecords } from '../../services/collector/ingest.ts';
import { createFirstOwnerLink } from '../../services/core/auth/setup-tokens.ts';
import { inboxRule } from '../../services/detection/rules/fixtures/case-records.ts';
import type { Runtime } from '../../services/runtime.ts';
import { startM365Simulator, type M365Simulator } from '../../services/sim/m365/index.ts';
import { becScenario, collectorConsent, CONTOSO } from '../../services/sim/m365/scenarios/index.ts';
import { COLLECTOR_APP_ID, collectorApp } from '../helpers/m365-sim.ts';
import { simulatorTls } from '../../services/sim/m365/tls.ts';
import { sendForDetection } from '../../services/worker/pipeline-jobs.ts';
import { insertSimTenant } from '../helpers/sim-tenant.ts';
import { ensureWebBuild, productHost, type ProductHost } from '../helpers/browser.ts';

const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const AXE = join(createRequire(import.meta.url).resolve('axe-core'), '../axe.min.js');
const OWNER = { mspName: 'Northwind IT Services', name: 'Avery Owner', email: 'avery@northwind.example', password: 'correct horse battery staple' };

let sim: M365Simulator | undefined;
let runtime: Runtime | undefined;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
let base: string;
let host: ProductHost | undefined;
let mspId: string;
let contosoId: string;
let fabrikamId: string;
const pageProblems: string[] = [];

/** Records through ingest and the runtime's own queue (detection, then enrichment), as collection sends them. */
async function throughPipeline(records: ReturnType<typeof inboxRule>[]): Promise<void> {
  const ids: string[] = [];
  for (const r of records) ids.push(...(await ingestRecords(runtime!.database.db, { mspId, tenantId: contosoId }, r.source, [r.raw])).insertedIds);
  await sendForDetection(runtime!.boss, ids);
}

/** A forwarding inbox rule made `minutesAgo` minutes ago. */
function forwardingRule(user: string, name: string, minutesAgo: number) {
  const record = inboxRule({ user, name, parameters: [['ForwardTo', 'remit.desk@fabrikam-finance.example']] });
  (record.raw as { CreationTime: string }).CreationTime = new Date(Date.now() - minutesAgo * 60_000).toISOString().slice(0, 19);
  return record;
}

async function eventCount(): Promise<number> {
  const [row] = await runtime!.database.db.select({ n: count() }).from(securityEvent).where(eq(securityEvent.tenantId, contosoId));
  return row!.n;
}

async function pendingEntities(): Promise<number> {
  const [row] = await runtime!.database.db
    .select({ n: count() })
    .from(eventEntity)
    .where(and(eq(eventEntity.mspId, mspId), eq(eventEntity.snapshotStatus, 'pending')));
  return row!.n;
}

/** Waits for a condition outside a test (expect.poll works inside tests only). */
async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

const rows = () => page.locator('tbody tr[data-event-id]');
const search = () => new URL(page.url()).searchParams;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  ensureWebBuild();

  // Contoso's yesterday, with the compromise woven in; the clock runs, so all of it is published.
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  sim = await startM365Simulator({
    tls: simulatorTls(),
    apps: [collectorApp()],
    tenants: [becScenario({ day: yesterday, consents: [collectorConsent(COLLECTOR_APP_ID)] })],
  });

  host = await productHost('report');
  base = host.base;
  runtime = (
    await host.start({
      TW_LOGIN_URL: sim.url,
      TW_GRAPH_URL: sim.url,
      TW_MANAGEMENT_URL: sim.url,
      TW_EXCHANGE_URL: sim.url,
    })
  ).runtime;

  // The first owner, through the setup API the setup page uses.
  const token = await createFirstOwnerLink(runtime.database.db);
  const setup = await fetch(`${base}/api/v1/setup/${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ name: OWNER.name, email: OWNER.email, password: OWNER.password, mspName: OWNER.mspName }),
  });
  expect(setup.status).toBe(200);
  const cookie = setup.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  mspId = ((await (await fetch(`${base}/api/v1/auth/session`, { headers: { cookie } })).json()) as { msp: { id: string } }).msp.id;

  // The simulated tenant, shown as the demo; and a second tenant that is not watched right now.
  const contoso = await insertSimTenant(runtime.database.db, CONTOSO.tenantId, { mspId, name: 'Contoso (demo)' });
  contosoId = contoso.id;
  await runtime.database.db.update(tenant).set({ isDemo: true }).where(eq(tenant.id, contosoId));
  const [fabrikam] = await runtime.database.db
    .insert(tenant)
    .values({ mspId, tenantGuid: crypto.randomUUID(), name: 'Fabrikam Ltd', primaryDomain: 'fabrikam.example', authMode: 'consent', status: 'disabled' })
    .returning();
  fabrikamId = fabrikam!.id;

  // Collection through the queue, as the scheduler would send it: detection and enrichment follow.
  await runtime.boss.send('collect.tenant', { tenantId: contosoId }, { singletonKey: contosoId });
  // And a few more forwarding rules over the last hours, so the table has more than one page of 10.
  await throughPipeline(
    ['adele.vance', 'alex.wilber', 'diego.siciliani', 'grady.archie', 'lee.gu', 'lidia.holloway', 'nestor.wilke'].map((u, i) =>
      forwardingRule(`${u}@contoso.com`, `Sync ${i + 1}`, 30 + i * 47),
    ),
  );
  await until(async () => (await eventCount()) >= 15, 150_000, 'the pipeline raised the events');
  // Enrichment has recorded every entity (the map needs the IP addresses' countries).
  await until(async () => (await pendingEntities()) === 0, 120_000, 'enrichment recorded every entity');

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-gpu'],
  });
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: base, locale: 'en-GB', timezoneId: 'UTC' });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => pageProblems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // Chromium logs every 4xx answer (the refused filter expression) as "Failed to load resource".
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) pageProblems.push(`console: ${msg.text()}`);
  });
  mkdirSync(SCREENSHOTS, { recursive: true });

  await page.goto('/signin');
  await page.getByLabel('Email').fill(OWNER.email);
  await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/`);
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await sim?.close();
}, 60_000);

type Counts = Record<'critical' | 'high' | 'medium' | 'low' | 'informational' | 'total', number>;

async function apiCounts(query = ''): Promise<Counts> {
  const res = await context.request.get(`/api/v1/events?limit=1&from=${encodeURIComponent(new Date(Date.now() - 30 * 86_400_000).toISOString())}${query}`);
  return ((await res.json()) as { counts: Counts }).counts;
}

describe('the Report', () => {
  test('lists the detected events with counts by severity, charts, the demo hint; screenshot', async () => {
    await page.getByRole('heading', { level: 1, name: 'Report' }).waitFor();
    const counts = await apiCounts();
    expect(counts.total).toBeGreaterThanOrEqual(15);
    await expect.poll(() => rows().count()).toBe(Math.min(50, counts.total));
    for (const severity of ['critical', 'high', 'medium', 'low', 'informational', 'total'] as const) {
      expect(await page.getByTestId(`count-${severity}`).textContent(), severity).toBe(String(counts[severity]));
    }
    // The compromise's events, with the demo badge on the tenant.
    const forwarding = rows().filter({ hasText: 'isabella.ruiz@contoso.com' });
    expect(await forwarding.count()).toBeGreaterThan(0);
    expect(await rows().first().getByText('Demo', { exact: true }).count()).toBe(1);
    await page.getByTestId('demo-note').getByText('Contoso (demo)').waitFor();

    // Charts: the numbers behind the bars, top detections, countries of the addresses.
    const charts = page.getByRole('region', { name: 'Overview' });
    await charts.getByText('Top detections').waitFor();
    expect(await charts.locator('table tbody tr').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByRole('list', { name: 'Events by country' }).getByRole('button').count()).toBeGreaterThan(0);
    expect(await page.locator('svg path').count()).toBeGreaterThan(100);
    await page.getByText('Live', { exact: true }).waitFor();

    await page.screenshot({ path: join(SCREENSHOTS, 'report.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SCREENSHOTS, 'report-narrow.png'), fullPage: true });
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  test('a severity chip filters and the counts say how many; Back restores', async () => {
    const counts = await apiCounts();
    const severity = (['high', 'medium', 'critical', 'low'] as const).find((s) => counts[s] > 0)!;
    await page.locator(`button[data-severity="${severity}"]`).click();
    await page.waitForURL((url) => url.searchParams.get('severity') === severity);
    await expect.poll(() => rows().count()).toBe(counts[severity]);
    expect(await page.locator(`button[data-severity="${severity}"]`).getAttribute('aria-pressed')).toBe('true');
    await page.goBack();
    await page.waitForURL(`${base}/`);
    await expect.poll(() => rows().count()).toBe(Math.min(50, counts.total));
  });

  test('sorting by a header sets aria-sort and the address; Back and Forward restore it', async () => {
    const countHeader = page.getByRole('columnheader', { name: 'Count' });
    await countHeader.getByRole('button').click();
    await page.waitForURL((url) => url.searchParams.get('sort') === 'count');
    expect(await countHeader.getAttribute('aria-sort')).toBe('descending');
    const values = async () => (await page.locator('tbody td.col-count').allTextContents()).map((t) => Number(t.replace(/\D/g, '')));
    await expect
      .poll(async () => {
        const v = await values();
        return v.every((n, i) => i === 0 || v[i - 1]! >= n);
      })
      .toBe(true);

    await countHeader.getByRole('button').click();
    await page.waitForURL((url) => url.searchParams.get('order') === 'asc');
    expect(await countHeader.getAttribute('aria-sort')).toBe('ascending');
    await expect
      .poll(async () => {
        const v = await values();
        return v.every((n, i) => i === 0 || v[i - 1]! <= n);
      })
      .toBe(true);

    await page.goBack();
    await page.waitForURL((url) => url.searchParams.get('sort') === 'count' && !url.searchParams.has('order'));
    await expect.poll(() => countHeader.getAttribute('aria-sort')).toBe('descending');
    await page.goForward();
    await page.waitForURL((url) => url.searchParams.get('order') === 'asc');
    await expect.poll(() => countHeader.getAttribute('aria-sort')).toBe('ascending');
    expect(await page.getByRole('columnheader', { name: 'Last seen' }).getAttribute('aria-sort')).toBeNull();
  });

  test('pages of 10 go forward and back through cursors kept in the address', async () => {
    await page.goto('/');
    const total = (await apiCounts()).total;
    await page.getByLabel('Rows per page').selectOption('10');
    await page.waitForURL((url) => url.searchParams.get('limit') === '10');
    await expect.poll(() => rows().count()).toBe(10);
    const firstPage = await rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event-id')));

    await page.getByRole('button', { name: 'Next' }).click();
    await page.waitForURL((url) => url.searchParams.getAll('after').length === 1);
    await page.getByTestId('page-number').getByText('Page 2').waitFor();
    await expect.poll(() => rows().count()).toBe(Math.min(10, total - 10));
    const secondPage = await rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event-id')));
    expect(secondPage.filter((id) => firstPage.includes(id))).toEqual([]);

    await page.goBack();
    await page.getByTestId('page-number').getByText('Page 1').waitFor();
    await expect.poll(() => rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event-id')))).toEqual(firstPage);
    await page.goForward();
    await page.getByTestId('page-number').getByText('Page 2').waitFor();
    await expect.poll(() => rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event-id')))).toEqual(secondPage);
    await page.getByRole('button', { name: 'Previous' }).click();
    await page.getByTestId('page-number').getByText('Page 1').waitFor();
    expect(search().getAll('after')).toEqual([]);

    // A shared address shows the same page.
    await page.getByRole('button', { name: 'Next' }).click();
    await page.waitForURL((url) => url.searchParams.has('after'));
    const other = await context.newPage();
    await other.goto(page.url());
    await expect
      .poll(() => other.locator('tbody tr[data-event-id]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event-id'))))
      .toEqual(secondPage);
    await other.close();
  });

  test('tenant filter: another tenant has no events, and the empty state offers to clear the filters', async () => {
    await page.goto('/');
    await page.getByRole('button', { name: /Tenants/ }).click();
    await page.getByRole('checkbox', { name: 'Fabrikam Ltd' }).check();
    await page.waitForURL((url) => url.searchParams.get('tenant') === fabrikamId);
    await page.getByRole('heading', { name: 'No events match these filters' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL(`${base}/`);
    await expect.poll(() => rows().count()).toBeGreaterThan(0);
  });

  test('a misspelt field is reported under the box, marked where it is; the list refuses it the same way', async () => {
    await page.goto('/');
    const box = page.getByRole('combobox', { name: 'Filter expression' });
    await box.fill("Event.Severity = 'high' AND Event.Tenantt = 'x'");
    const error = page.getByTestId('filter-error');
    await error.getByText("unknown field 'Event.Tenantt'").waitFor();
    expect(await page.getByTestId('filter-error-mark').textContent()).toBe('Event.Tenantt');
    await error.getByText('Line 1, column 29').waitFor();
    expect(await box.getAttribute('aria-invalid')).toBe('true');

    // Applied anyway: the list answers 400 and the same error stays under the box.
    await box.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('filter') === "Event.Severity = 'high' AND Event.Tenantt = 'x'");
    await page.getByText('Fix the filter expression above to see events.').waitFor();
    expect(await page.getByTestId('filter-error-mark').textContent()).toBe('Event.Tenantt');
    await page.screenshot({ path: join(SCREENSHOTS, 'report-filter-error.png') });

    // The suggestion fixes it.
    await error.getByRole('button', { name: 'Use Event.Tenant' }).click();
    expect(await box.inputValue()).toBe("Event.Severity = 'high' AND Event.Tenant = 'x'");
    await page.getByTestId('filter-error').waitFor({ state: 'detached' });
  });

  test('autocomplete offers fields, then operators, then values; the filter applies', async () => {
    await page.goto('/');
    const box = page.getByRole('combobox', { name: 'Filter expression' });
    await box.click();
    await box.pressSequentially('event.sev');
    const list = page.getByRole('listbox', { name: 'Suggestions' });
    await list.getByRole('option', { name: /^Event\.Severity/ }).waitFor();
    expect(await box.getAttribute('aria-expanded')).toBe('true');
    await box.press('Enter');
    expect(await box.inputValue()).toBe('Event.Severity ');
    // Operators for an ordered field.
    await list.getByRole('option', { name: /^>=/ }).waitFor();
    await box.pressSequentially(">= 'h");
    await list.getByRole('option', { name: /^'high'/ }).waitFor();
    await box.press('Enter');
    expect(await box.inputValue()).toBe("Event.Severity >= 'high' ");
    await box.press('Escape');
    await box.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('filter') === "Event.Severity >= 'high'");
    const counts = await apiCounts();
    await expect.poll(() => rows().count()).toBe(counts.high + counts.critical);
    const severities = await page.locator('tbody td.col-severity').allTextContents();
    expect(severities.every((s) => /High|Critical/.test(s))).toBe(true);
  });

  test('the CSV link carries the current filter and downloads those events', async () => {
    // Still filtered from the last test.
    const link = page.getByTestId('export-csv');
    const href = (await link.getAttribute('href'))!;
    const url = new URL(href, base);
    expect(url.pathname).toBe('/api/v1/events/export.csv');
    expect(url.searchParams.get('filter')).toBe("Event.Severity >= 'high'");
    expect(url.searchParams.get('status')).toBe('unignored');
    expect(url.searchParams.get('from')).toBeTruthy();
    const res = await context.request.get(href);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toMatch(/^text\/csv/);
    const lines = (await res.text()).split('\r\n').filter(Boolean);
    const counts = await apiCounts();
    expect(lines.length - 1).toBe(counts.high + counts.critical);
  });

  test('a new event appears without a reload (server-sent events)', async () => {
    await page.goto('/');
    await page.getByText('Live', { exact: true }).waitFor();
    // Code run in the page (this file is compiled without the DOM's types).
    await page.evaluate('window.notReloaded = true');
    const before = await rows().count();
    await throughPipeline([forwardingRule('megan.bowen@contoso.com', 'RSS Feeds', 0)]);
    const row = rows().filter({ hasText: 'megan.bowen@contoso.com' });
    await row.first().waitFor({ timeout: 20_000 });
    expect(await rows().count()).toBe(before + 1);
    // The newest is first, and it is the same page (no reload).
    expect(await rows().first().textContent()).toContain('megan.bowen@contoso.com');
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    // Keyboard: rows are focusable and Enter opens the event.
    await rows().first().focus();
    const id = await rows().first().getAttribute('data-event-id');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/events/${id}`);
  });

  test('no serious or critical accessibility problems (axe-core)', async () => {
    await page.goto('/');
    await expect.poll(() => rows().count()).toBeGreaterThan(0);
    await page.evaluate(readFileSync(AXE, 'utf8'));
    type Violation = { id: string; impact: string | null; nodes: string[] };
    const result = (await page.evaluate(`(async () => {
      const { violations } = await axe.run(document, { resultTypes: ['violations'] });
      return violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
    })()`)) as Violation[];
    expect(result.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
  });

  test('no console errors or CSP violations along the way', () => {
    expect(pageProblems).toEqual([]);
  });
});
