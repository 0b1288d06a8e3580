/**
 * Triggers end to end: the real product (API, workers, outbox sender, the built-in SMTP sink,
 * the built web app) in this process and Debian's Chromium. A trigger made in the editor, an
 * event raised by the real ingest and detection engine, its alert mail opened on the Outbox page,
 * and its "View event" link followed signed out: sign-in, then the event.
 *
 * Needs /usr/bin/chromium. Screenshots go to test/e2e/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { securityEvent, tenant } from '../../db/schema/index.ts';
import { ingestRecords } from '../../services/collector/ingest.ts';
import { detectActivity } from '../../services/detection/engine.ts';
import { enqueueForEvents } from '../../services/notify/outbox.ts';
import { inboxRule } from '../../services/detection/rules/fixtures/case-records.ts';
import { createLogger } from '../../services/log.ts';
import { ensureDefaultTriggers } from '../../services/notify/defaults.ts';
import type { Runtime } from '../../services/runtime.ts';
import { seedMsp, type Member } from '../helpers/app.ts';
import { launchChromium, productHost, SCREENSHOTS, seriousAccessibilityProblems, watchPage, type ProductHost } from '../helpers/browser.ts';

const HOSTILE = `<img src=x onerror=alert(1)>{Event.UserName}`;

let runtime: Runtime;
let browser: Browser | undefined;
let host: ProductHost | undefined;
let owner: Member;
let contoso: string;

async function signIn(p: Page, member: Pick<Member, 'email' | 'password'>): Promise<void> {
  await p.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await p.getByLabel('Email').fill(member.email);
  await p.getByLabel('Password', { exact: true }).fill(member.password);
  await p.getByRole('button', { name: 'Sign in' }).click();
}

beforeAll(async () => {
  host = await productHost('triggers');
  // No mail server configured: the built-in sink takes the mail, as in the demo.
  runtime = (await host.start({ TW_COLLECT_INTERVAL_MINUTES: '600', TW_SMTP_SINK: 'on' })).runtime;
  owner = await seedMsp(runtime.database, 'owner', 'Northwind IT Services');
  // What sign-up and setup do for a new MSP.
  await ensureDefaultTriggers(runtime.database.db, owner.mspId);
  const [c] = await runtime.database.db
    .insert(tenant)
    .values({ mspId: owner.mspId, tenantGuid: crypto.randomUUID(), name: 'Contoso', primaryDomain: 'contoso.com', authMode: 'consent' })
    .returning();
  contoso = c!.id;
  browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
}, 60_000);

test('a trigger made in the editor mails the event; its View event link leads through sign-in to the event', async () => {
  const context = await browser!.newContext({ viewport: { width: 1440, height: 900 }, baseURL: host!.base });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const watch = await watchPage(page);
  page.on('pageerror', () => void page.screenshot({ path: join(SCREENSHOTS, 'triggers-error.png') }));
  await page.goto('/');
  await signIn(page, owner);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Triggers' }).click();
  await page.waitForURL(`${host!.base}/triggers`);
  // The pre-built security triggers are there, the successful sign-in one off.
  await page.getByRole('switch', { name: 'Tenantwatch account locked enabled' }).waitFor();
  expect(await page.getByRole('switch', { name: 'Successful sign-in to Tenantwatch enabled' }).isChecked()).toBe(false);

  await page.getByRole('button', { name: 'New trigger' }).click();
  const dialog = page.getByRole('dialog', { name: 'New trigger' });
  await dialog.getByLabel('Ready-made conditions').selectOption({ label: 'Any high or critical event' });
  expect(await dialog.getByLabel('Name').inputValue()).toBe('Any high or critical event');
  await dialog.getByLabel('Name').fill('Exchange alerts');
  await dialog.getByRole('combobox', { name: 'Condition', exact: true }).fill("Event.Workload = 'Exchange' AND Event.Severity >= 'high'");
  await dialog.getByText('Field reference').click();
  await dialog.getByRole('cell', { name: 'Event.UserSource' }).waitFor();
  await dialog.getByLabel('Subject').fill('Alert: {Event.Title} by {Event.UserName}');
  expect(await dialog.getByLabel('To').inputValue()).toBe('@owners');
  expect(await seriousAccessibilityProblems(page)).toEqual([]);
  await dialog.getByRole('button', { name: 'Save trigger' }).click();
  await page.getByRole('status').filter({ hasText: '"Exchange alerts" was saved' }).waitFor();
  await page.getByRole('row', { name: /Exchange alerts/ }).waitFor();

  // A forwarding inbox rule with an attacker-chosen name raises a high event.
  const record = inboxRule({ user: 'megan.bowen@contoso.com', name: HOSTILE, parameters: [['ForwardTo', 'x@outside.example']] });
  (record.raw as { CreationTime: string }).CreationTime = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, '');
  const { insertedIds } = await ingestRecords(runtime.database.db, { mspId: owner.mspId, tenantId: contoso }, record.source, [record.raw]);
  await detectActivity({ db: runtime.database.db, log: createLogger({ logLevel: 'silent' }), onEventsCreated: enqueueForEvents }, insertedIds);
  const [event] = await runtime.database.db.select().from(securityEvent).where(eq(securityEvent.tenantId, contoso));
  const mail = await runtime.notify.sink!.waitFor((m) => m.subject.startsWith('Alert: '), 60_000);
  expect(mail.subject).toBe(`Alert: ${event!.title} by megan.bowen@contoso.com`);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Outbox' }).click();
  await page.waitForURL(`${host!.base}/outbox`);
  await page.getByRole('link', { name: new RegExp(`Alert: ${event!.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) }).click();
  await page.getByRole('heading', { level: 2, name: mail.subject }).waitFor();
  const frame = page.frameLocator('iframe[title="The message as HTML"]');
  const link = frame.getByRole('link', { name: 'View event' });
  const href = await link.getAttribute('href');
  expect(href).toBe(`${host!.base}/events/${event!.id}`);
  await page.screenshot({ path: join(SCREENSHOTS, 'outbox-message.png') });
  expect(watch.problems).toEqual([]);

  // Send test from the list: the trigger's history shows it delivered.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Triggers' }).click();
  await page.getByRole('button', { name: 'Send test of Exchange alerts' }).click();
  await page.getByRole('status').filter({ hasText: 'A test message for each action of "Exchange alerts" is on its way' }).waitFor();
  await page.locator('[data-testid="delivery-row"][data-status="delivered"]').filter({ hasText: 'Test' }).waitFor();
  // The switch turns a trigger on.
  const success = page.getByRole('switch', { name: 'Successful sign-in to Tenantwatch enabled' });
  await success.click();
  await page.getByRole('status').filter({ hasText: '"Successful sign-in to Tenantwatch" is on.' }).waitFor();
  expect(await success.isChecked()).toBe(true);
  expect(watch.problems).toEqual([]);

  // Signed out, the link asks for a sign-in and then opens the event.
  const anonymous = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
  const visitor = await anonymous.newPage();
  visitor.setDefaultTimeout(20_000);
  await visitor.goto(href!);
  await signIn(visitor, owner);
  await visitor.waitForURL(href!);
  await visitor.getByRole('heading', { level: 1, name: event!.title }).waitFor();
  // The event page shows what was sent about it: the alert, and the test message filled with it.
  await visitor
    .getByRole('row', { name: /Exchange alerts/ })
    .filter({ hasText: 'Delivered' })
    .filter({ hasNotText: 'Test' })
    .waitFor();
  await visitor
    .getByRole('row', { name: /Exchange alerts/ })
    .filter({ hasText: 'Delivered' })
    .filter({ hasText: 'Test' })
    .waitFor();
  await anonymous.close();
  await context.close();
}, 300_000);

test('the editor makes a scheduled report (a wrong cron refused at its field) and a risk-score trigger; the list names their kinds', async () => {
  const context = await browser!.newContext({ viewport: { width: 1440, height: 900 }, baseURL: host!.base });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const watch = await watchPage(page);
  await page.goto('/triggers');
  await signIn(page, owner);
  await page.waitForURL(`${host!.base}/triggers`);

  await page.getByRole('button', { name: 'New trigger' }).click();
  let dialog = page.getByRole('dialog', { name: 'New trigger' });
  await dialog.getByLabel('Name').fill('Weekly report');
  await dialog.getByRole('radio', { name: /On a schedule/ }).check();
  // A schedule has no event to remediate or file a ticket for: those actions are not offered.
  expect(await dialog.getByRole('button', { name: 'Run remediation' }).count()).toBe(0);
  expect(await dialog.getByLabel('Subject').count()).toBe(0);
  await dialog.getByLabel('Schedule (cron)').fill('0 7 * *');
  await dialog.getByRole('button', { name: 'Save trigger' }).click();
  await dialog.getByText('a schedule has five fields').first().waitFor();
  await dialog.getByLabel('Schedule (cron)').fill('0 7 * * 1');
  await dialog.getByLabel('Time zone').fill('Europe/Amsterdam');
  await dialog.getByRole('button', { name: 'Save trigger' }).click();
  await page.getByRole('status').filter({ hasText: '"Weekly report" was saved: its first run is' }).waitFor();
  const row = page.getByRole('row', { name: /Weekly report/ });
  await row.getByTestId('trigger-kind').filter({ hasText: 'Schedule' }).waitFor();
  await row.getByText('On the schedule 0 7 * * 1 (Europe/Amsterdam)').waitFor();

  await page.getByRole('button', { name: 'New trigger' }).click();
  dialog = page.getByRole('dialog', { name: 'New trigger' });
  await dialog.getByLabel('Name').fill('Risky users');
  await dialog.getByRole('radio', { name: /risk score enters a band/ }).check();
  await dialog.getByLabel('Band', { exact: true }).selectOption('critical');
  expect(await dialog.getByLabel('Subject').inputValue()).toContain('{Score.Value}');
  await dialog.getByRole('button', { name: 'Save trigger' }).click();
  await page.getByRole('status').filter({ hasText: '"Risky users" was saved' }).waitFor();
  await page
    .getByRole('row', { name: /Risky users/ })
    .getByText("A user's risk score enters critical")
    .waitFor();
  await page.screenshot({ path: join(SCREENSHOTS, 'triggers-kinds.png') });
  expect(await seriousAccessibilityProblems(page)).toEqual([]);
  expect(watch.problems).toEqual([]);
  await context.close();
}, 300_000);
