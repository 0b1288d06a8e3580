/**
 * Tenant groups in the browser: a group made on the Tenants page with a member picked, then
 * offered by the trigger editor's scope picker; a group a trigger uses is refused deletion in
 * plain words. The real product in this process and Debian's Chromium.
 *
 * Needs /usr/bin/chromium.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { tenant } from '../../db/schema/index.ts';
import type { Runtime } from '../../services/runtime.ts';
import { seedMsp, type Member } from '../helpers/app.ts';
import { launchChromium, productHost, seriousAccessibilityProblems, watchPage, type ProductHost } from '../helpers/browser.ts';

let runtime: Runtime;
let browser: Browser | undefined;
let host: ProductHost | undefined;
let owner: Member;

beforeAll(async () => {
  host = await productHost('tenant-groups');
  runtime = (await host.start({ TW_COLLECT_INTERVAL_MINUTES: '600', TW_SMTP_SINK: 'on' })).runtime;
  owner = await seedMsp(runtime.database, 'owner', 'Northwind IT Services');
  for (const name of ['Contoso', 'Fabrikam'])
    await runtime.database.db
      .insert(tenant)
      .values({ mspId: owner.mspId, tenantGuid: crypto.randomUUID(), name, primaryDomain: `${name.toLowerCase()}.com`, authMode: 'consent' });
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
}, 60_000);

test('a group made on the Tenants page scopes a trigger, and cannot be deleted while it does', async () => {
  const context = await browser!.newContext({ viewport: { width: 1440, height: 900 }, baseURL: host!.base });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const watch = await watchPage(page);
  await page.goto('/');
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password', { exact: true }).fill(owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tenants' }).click();

  await page.getByRole('button', { name: 'New group' }).click();
  const form = page.getByRole('form', { name: 'New group' });
  await form.getByLabel('Group name').fill('Healthcare <b>clinics</b>');
  await form.getByLabel('Fabrikam').check();
  await form.getByRole('button', { name: 'Save group' }).click();
  await page.getByRole('status').filter({ hasText: '"Healthcare <b>clinics</b>" was saved.' }).waitFor();
  const item = page.getByTestId('tenant-group').filter({ hasText: 'Healthcare <b>clinics</b>' });
  await item.getByText('Fabrikam').waitFor();
  expect(await seriousAccessibilityProblems(page)).toEqual([]);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Triggers' }).click();
  await page.getByRole('button', { name: 'New trigger' }).click();
  const dialog = page.getByRole('dialog', { name: 'New trigger' });
  await dialog.getByLabel('Name').fill('Clinic alerts');
  await dialog.getByRole('combobox', { name: 'Condition', exact: true }).fill("Event.Severity >= 'high'");
  await dialog.getByLabel('Subject').fill('Alert: {Event.Title}');
  await dialog.getByLabel('Only these groups and tenants').check();
  // Nothing ticked is refused in the editor, not saved as every tenant.
  await dialog.getByRole('button', { name: 'Save trigger' }).click();
  await dialog.getByRole('alert').filter({ hasText: 'Tick at least one tenant or group, or choose Every tenant.' }).waitFor();
  await dialog
    .getByRole('group', { name: 'Tenant groups' })
    .getByLabel(/Healthcare <b>clinics<\/b>/)
    .check();
  await dialog.getByRole('button', { name: 'Save trigger' }).click();
  await page.getByRole('status').filter({ hasText: '"Clinic alerts" was saved' }).waitFor();
  await page
    .getByRole('row', { name: /Clinic alerts/ })
    .getByText('Group: Healthcare <b>clinics</b>')
    .waitFor();

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tenants' }).click();
  await item.getByText('Scope of "Clinic alerts"').waitFor();
  await item.getByRole('button', { name: /^Delete/ }).click();
  await page
    .getByText('The group "Healthcare <b>clinics</b>" is the scope of the trigger "Clinic alerts"; change its scope first, then delete the group.')
    .waitFor();
  expect(watch.problems.filter((p) => !p.includes('409'))).toEqual([]);
}, 180_000);
