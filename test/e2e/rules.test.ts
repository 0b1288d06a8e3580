/**
 * The Rules page end to end: the real product (API, workers, database, built web app) in this
 * process, events and activity raised by the real ingest and detection engine, and Debian's
 * Chromium. A whitelist rule typed as an expression with its dry run, disabled and deleted; a
 * custom detection refused with its error placed in the expression, then tested against the
 * tenant's activity, saved, edited and disabled; read-only and technician users see no write
 * controls; axe-core finds no serious problem; attacker-written text stays text.
 *
 * Needs /usr/bin/chromium. Screenshots go to test/e2e/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { customDetection, securityEvent, tenant, whitelistRule } from '../../db/schema/index.ts';
import { ingestRecords } from '../../services/collector/ingest.ts';
import { detectActivity } from '../../services/detection/engine.ts';
import { inboxRule, ualSignIn } from '../../services/detection/rules/fixtures/case-records.ts';
import type { CaseRecord } from '../../services/detection/types.ts';
import { createLogger } from '../../services/log.ts';
import type { Runtime } from '../../services/runtime.ts';
import { addMember, seedMsp, type Member } from '../helpers/app.ts';
import { ensureWebBuild, launchChromium, SCREENSHOTS, seriousAccessibilityProblems, watchPage, productHost, type ProductHost } from '../helpers/browser.ts';

/** Attacker-written text: markup, a script, a javascript: URL, an RTL override. */
const HOSTILE = `<img src=x onerror=alert(1)>"><script>alert(2)</script> javascript:alert(3) \u202Egnp.exe`;
const FORWARDING = 'M365.Exchange.InboxRuleExternalForwarding';
const FORWARDING_RULE = `Event.Detection = '${FORWARDING}' AND Event.UserName LIKE '%@contoso.com'`;
const LOCKED_OUT = "Event.EventType = 'LoginAttempt' AND Event.OperationResult = 'LockedOut'";

let runtime: Runtime | undefined;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
let watch: Awaited<ReturnType<typeof watchPage>>;
let base: string;
let host: ProductHost | undefined;
let owner: Member;
let contoso: string;
let forwardingEvents: string[] = [];

/** The audit log's `CreationTime` form (UTC, no `Z`) of a moment `ago` milliseconds before now. */
const ualAgo = (ago: number) => new Date(Date.now() - ago).toISOString().replace(/\.\d{3}Z$/, '');

/** Stores records as the collector does and runs the detection engine over them. */
async function storeAndDetect(records: { record: CaseRecord; ago: number }[]): Promise<void> {
  const db = runtime!.database.db;
  for (const { record, ago } of records) {
    (record.raw as { CreationTime: string }).CreationTime = ualAgo(ago);
    const { insertedIds } = await ingestRecords(db, { mspId: owner.mspId, tenantId: contoso }, record.source, [record.raw]);
    await detectActivity({ db, log: createLogger({ logLevel: 'silent' }) }, insertedIds);
  }
}

async function signIn(p: Page, member: Pick<Member, 'email' | 'password'>, path: string): Promise<void> {
  await p.goto(path);
  await p.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await p.getByLabel('Email').fill(member.email);
  await p.getByLabel('Password', { exact: true }).fill(member.password);
  await p.getByRole('button', { name: 'Sign in' }).click();
}

/** window.confirm answered yes, with its question kept for the test to read. */
const acceptConfirm = (p: Page) => p.evaluate('window.__confirmed = null; window.confirm = (m) => { window.__confirmed = m; return true; }');
const confirmed = (p: Page) => p.evaluate<string | null>('window.__confirmed');

beforeAll(async () => {
  ensureWebBuild();
  host = await productHost('rules');
  base = host.base;
  runtime = (
    await host.start({
      // The test raises its own activity; the scheduler should not try to collect.
      TW_COLLECT_INTERVAL_MINUTES: '600',
    })
  ).runtime;

  owner = await seedMsp(runtime.database, 'owner', 'Northwind IT Services');
  const [c] = await runtime.database.db
    .insert(tenant)
    .values([
      { mspId: owner.mspId, tenantGuid: crypto.randomUUID(), name: 'Contoso', primaryDomain: 'contoso.com', authMode: 'consent' },
      { mspId: owner.mspId, tenantGuid: crypto.randomUUID(), name: 'Fabrikam', primaryDomain: 'fabrikam.com', authMode: 'consent' },
    ])
    .returning();
  contoso = c!.id;

  // Forwarding inbox rules by Megan and Adele (two events), and lockouts and a sign-in (activity).
  const forward = (user: string, name: string) => inboxRule({ user, name, parameters: [['ForwardTo', 'x@outside.example']] });
  await storeAndDetect([
    { record: forward('megan.bowen@contoso.com', HOSTILE), ago: 2 * 3_600_000 },
    { record: forward('adele.vance@contoso.com', 'archive'), ago: 3_600_000 },
    { record: ualSignIn({ user: 'lee.gu@contoso.com', ip: '185.220.101.4', errorNumber: 50053, logonError: 'IdsLocked' }), ago: 50 * 60_000 },
    { record: ualSignIn({ user: 'lee.gu@contoso.com', ip: '185.220.101.4', errorNumber: 50053, logonError: 'IdsLocked' }), ago: 40 * 60_000 },
    { record: ualSignIn({ user: 'lee.gu@contoso.com', ip: '10.0.0.4', errorNumber: 0 }), ago: 30 * 60_000 },
  ]);
  forwardingEvents = (await runtime.database.db.select({ id: securityEvent.id }).from(securityEvent).where(eq(securityEvent.detectionId, FORWARDING))).map(
    (e) => e.id,
  );
  expect(forwardingEvents).toHaveLength(2);

  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: base });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  watch = await watchPage(page);
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
}, 60_000);

describe('whitelist rules', () => {
  test('Rules in the navigation opens the whitelist tab, empty, saying what rules are for', async () => {
    await signIn(page, owner, '/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rules' }).click();
    await page.waitForURL(`${base}/rules/whitelist`);
    await page.getByRole('heading', { level: 2, name: 'No whitelist rules yet' }).waitFor();
    expect(await page.getByRole('link', { name: 'Whitelist rules' }).getAttribute('aria-current')).toBe('page');
  });

  test('a new rule typed as an expression shows its dry run with links to the events, then saves', async () => {
    await page.getByRole('button', { name: 'New rule' }).click();
    const dialog = page.getByRole('dialog', { name: 'New whitelist rule' });
    await dialog.getByLabel('Expression').fill(FORWARDING_RULE);
    await dialog.getByRole('button', { name: 'Dry run' }).click();
    await dialog.getByTestId('dry-run-count').filter({ hasText: 'It would have ignored 2 events in the last 30 days' }).waitFor();
    const links = await dialog
      .getByTestId('dry-run-event')
      .getByRole('link')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(links.sort()).toEqual(forwardingEvents.map((id) => `/events/${id}`).sort());

    // Saving without a reason is refused at the field, which is described by its error.
    await dialog.getByRole('button', { name: 'Save rule' }).click();
    const reason = dialog.getByLabel('Reason');
    expect(await reason.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#wl-reason-error').textContent()).toContain('Say why');

    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await dialog.getByLabel('Name (optional)').fill('Forwarding to the archive');
    await reason.fill(`Approved by the customer ${HOSTILE}`);
    await dialog.getByLabel('Tenant').selectOption({ label: 'Contoso' });
    await dialog.getByRole('button', { name: 'Save rule' }).click();
    await dialog.waitFor({ state: 'hidden' });

    const row = page.getByTestId('whitelist-row');
    await row.getByRole('rowheader').getByText('Forwarding to the archive').waitFor();
    expect(await row.locator('code').textContent()).toBe(FORWARDING_RULE);
    expect(await row.getByText(`Approved by the customer ${HOSTILE}`).count()).toBe(1);
    expect(await row.getByRole('cell', { name: 'Contoso' }).count()).toBe(1);
    expect(await row.getByTestId('rule-status').textContent()).toContain('Enabled');
  });

  test('edit changes the reason; disable and delete (after confirming) change the list and the database', async () => {
    const row = page.getByTestId('whitelist-row');
    await row.getByRole('button', { name: /^Edit/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit whitelist rule' });
    expect(await dialog.getByLabel('Expression').inputValue()).toBe(FORWARDING_RULE);
    await dialog.getByLabel('Reason').fill('Contoso archives mail to its records system, approved by Contoso');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await row.getByText('approved by Contoso').waitFor();

    await row.getByRole('button', { name: /^Disable/ }).click();
    await row.getByTestId('rule-status').filter({ hasText: 'Disabled' }).waitFor();
    const [stored] = await runtime!.database.db.select().from(whitelistRule).where(eq(whitelistRule.mspId, owner.mspId));
    expect(stored).toMatchObject({ enabled: false, reason: 'Contoso archives mail to its records system, approved by Contoso' });

    await acceptConfirm(page);
    await row.getByRole('button', { name: /^Delete/ }).click();
    await page.getByRole('heading', { level: 2, name: 'No whitelist rules yet' }).waitFor();
    expect(await confirmed(page)).toContain('Delete the whitelist rule "Forwarding to the archive"?');
    expect(await runtime!.database.db.select().from(whitelistRule).where(eq(whitelistRule.mspId, owner.mspId))).toEqual([]);
  });
});

describe('custom detections', () => {
  test('an expression a custom detection cannot read is refused with the error placed in the box', async () => {
    await page.getByRole('link', { name: 'Custom detections' }).click();
    await page.waitForURL(`${base}/rules/custom`);
    await page.getByRole('heading', { level: 2, name: 'No custom detections yet' }).waitFor();

    await page.getByRole('button', { name: 'New detection' }).click();
    const dialog = page.getByRole('dialog', { name: 'New custom detection' });
    await dialog.getByLabel('Title').fill('Lee locked out');
    await dialog.getByLabel('Severity').selectOption('high');
    await dialog.getByLabel('MITRE ATT&CK (optional)').fill('TA0006:T1110');
    await dialog.getByLabel('How to react (optional)').fill('Call Lee.\nReset the password if Lee did not do this.');
    // Event.Severity belongs to events, not to the activity records a custom detection reads.
    await dialog.getByLabel('Expression').fill("Event.OperationResult = 'LockedOut' AND Event.Severity >= 'high'");
    await dialog.getByRole('button', { name: 'Save detection' }).click();
    const error = dialog.getByTestId('filter-error');
    // The server's answer decides; a busy machine may take longer than the default 15 s.
    await error.waitFor({ timeout: 60_000 });
    expect(await error.textContent()).toMatch(/Event\.Severity/);
    expect(await dialog.getByTestId('filter-error-mark').textContent()).toBe('Event.Severity');
    expect(await dialog.getByLabel('Expression').getAttribute('aria-describedby')).toBe('cd-expression-error');
    expect(await runtime!.database.db.select().from(customDetection).where(eq(customDetection.mspId, owner.mspId))).toEqual([]);
    // The wait above may take up to 60 s on a busy machine: the test's own limit must be longer.
  }, 90_000);

  test("a valid expression is tested over the tenant's recent activity, then saved", async () => {
    const dialog = page.getByRole('dialog', { name: 'New custom detection' });
    await dialog.getByLabel('Expression').fill(LOCKED_OUT);
    await dialog.getByTestId('filter-error').waitFor({ state: 'detached' });
    await dialog.getByLabel('Tenant', { exact: true }).selectOption({ label: 'Contoso' });
    await dialog.getByRole('button', { name: 'Test', exact: true }).click();
    await dialog.getByTestId('test-summary').filter({ hasText: '2 activity records match in Contoso' }).waitFor();
    const matches = dialog.getByTestId('test-match');
    expect(await matches.count()).toBe(2);
    expect(await matches.first().textContent()).toContain('lee.gu@contoso.com');
    expect(await seriousAccessibilityProblems(page)).toEqual([]);

    await dialog.getByRole('button', { name: 'Save detection' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = page.getByTestId('detection-row');
    await row.getByRole('rowheader').getByText('Lee locked out').waitFor();
    expect(await row.locator('code').textContent()).toBe(LOCKED_OUT);
    expect(await row.getByTestId('severity').textContent()).toContain('High');
    const [stored] = await runtime!.database.db.select().from(customDetection).where(eq(customDetection.mspId, owner.mspId));
    expect(stored).toMatchObject({ title: 'Lee locked out', severity: 'high', mitre: ['TA0006:T1110'], expression: LOCKED_OUT, enabled: true, tenantId: null });

    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'rules.png'), fullPage: true });
  });

  test('edit and disable', async () => {
    const row = page.getByTestId('detection-row');
    await row.getByRole('button', { name: /^Edit/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit custom detection' });
    expect(await dialog.getByLabel('Title').inputValue()).toBe('Lee locked out');
    expect(await dialog.getByLabel('Expression').inputValue()).toBe(LOCKED_OUT);
    await dialog.getByLabel('Severity').selectOption('critical');
    await dialog.getByLabel('Runs for').selectOption({ label: 'Contoso' });
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await row.getByTestId('severity').filter({ hasText: 'Critical' }).waitFor();
    expect(await row.getByRole('cell', { name: 'Contoso' }).count()).toBe(1);

    await row.getByRole('button', { name: /^Disable/ }).click();
    await row.getByTestId('detection-status').filter({ hasText: 'Disabled' }).waitFor();
    const [stored] = await runtime!.database.db.select().from(customDetection).where(eq(customDetection.mspId, owner.mspId));
    expect(stored).toMatchObject({ severity: 'critical', enabled: false, tenantId: contoso });
  });
});

describe('who may change rules', () => {
  test('a read-only user lands on custom detections, sees them without write controls, and is told who sees whitelist rules', async () => {
    const reader = await addMember(runtime!.database, owner.mspId, 'read_only');
    const p = await context
      .browser()!
      .newContext({ viewport: { width: 1280, height: 800 }, baseURL: base })
      .then((c) => c.newPage());
    await signIn(p, reader, '/rules');
    await p.waitForURL(`${base}/rules/custom`);
    await p.getByTestId('detection-row').getByText('Lee locked out').waitFor();
    expect(await p.getByRole('button', { name: /New detection|Edit|Disable|Enable|Delete/ }).count()).toBe(0);
    await p.getByRole('link', { name: 'Whitelist rules' }).click();
    await p.getByRole('heading', { level: 2, name: 'Whitelist rules are for technicians' }).waitFor();
    expect(await seriousAccessibilityProblems(p)).toEqual([]);
    await p.context().close();
  });

  test('a technician reads whitelist rules but has no write controls', async () => {
    const technician = await addMember(runtime!.database, owner.mspId, 'technician');
    const p = await context
      .browser()!
      .newContext({ viewport: { width: 1280, height: 800 }, baseURL: base })
      .then((c) => c.newPage());
    await signIn(p, technician, '/rules/whitelist');
    await p.waitForURL(`${base}/rules/whitelist`);
    await p.getByRole('heading', { level: 2, name: 'No whitelist rules yet' }).waitFor();
    expect(await p.getByText('An admin or owner at your MSP can add them.').count()).toBe(1);
    expect(await p.getByRole('button', { name: 'New rule' }).count()).toBe(0);
    await p.context().close();
  });

  test('nothing ran from the hostile strings, no console errors, no CSP violations', async () => {
    expect(watch.dialogs).toEqual([]);
    expect(watch.problems).toEqual([]);
    expect(await watch.cspViolations()).toEqual([]);
  });
});
