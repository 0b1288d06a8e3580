/**
 * The web shell end to end: the real product (API, workers, database, built web app) in this
 * process, driven by Debian's Chromium. Covers first-owner setup, the signed-in shell, sign-out,
 * deep links through sign-in, the open-redirect guard, the tenants list and the 404 page.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`). Builds the web app first when
 * web/build is missing or older than its sources. Screenshots go to test/e2e/screenshots/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createFirstOwnerLink } from '../../services/core/auth/setup-tokens.ts';
import { createTenant } from '../../services/core/tenant/create-tenant.ts';
import type { Runtime } from '../../services/runtime.ts';
import { CHROMIUM, CHROMIUM_ARGS, ensureWebBuild, SCREENSHOTS, productHost, type ProductHost } from '../helpers/browser.ts';

const OWNER = {
  mspName: 'Northwind IT Services',
  name: 'Avery Owner',
  email: 'avery@northwind.example',
  password: 'correct horse battery staple',
};

let runtime: Runtime | undefined;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
let base: string;
let host: ProductHost | undefined;
/** Console errors and uncaught exceptions in the page: CSP violations land here too. */
const pageProblems: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  ensureWebBuild();

  host = await productHost('shell');
  base = host.base;
  runtime = (await host.start()).runtime;

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: base });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => pageProblems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // Chromium logs every 4xx answer (the expected 401 from the session check, the wrong
    // password) as "Failed to load resource"; anything else is a real problem.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) pageProblems.push(`console: ${msg.text()}`);
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
}, 60_000);

describe('web shell', () => {
  test('the first-owner setup link creates the MSP and owner and lands on the Report', async () => {
    const token = await createFirstOwnerLink(runtime!.database.db);
    expect(token).toBeTruthy();
    await page.goto(`/setup/${token}`);

    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Set up Tenantwatch');
    // The password rule is shown before anything is submitted.
    await page.getByText('At least 12 characters').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'setup.png'), fullPage: true });

    await page.getByLabel('Company (MSP) name').fill(OWNER.mspName);
    await page.getByLabel('Your name').fill(OWNER.name);
    await page.getByLabel('Email', { exact: true }).fill(OWNER.email);
    await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
    // A mismatched confirmation is caught before anything is sent.
    await page.getByLabel('Confirm password').fill('something else entirely');
    await page.getByRole('button', { name: 'Create workspace and sign in' }).click();
    await page.getByText('The two passwords do not match.').waitFor();
    expect(page.url()).toBe(`${base}/setup/${token}`);

    await page.getByLabel('Confirm password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Create workspace and sign in' }).click();
    await page.waitForURL(`${base}/`);

    await page.getByRole('heading', { level: 1, name: 'Report' }).waitFor();
    await page.getByRole('heading', { name: 'No security events yet' }).waitFor();
    const addLink = page.getByRole('link', { name: 'Add a tenant' });
    expect(await addLink.getAttribute('href')).toBe('/tenants');

    const header = page.getByRole('banner');
    await header.getByText(OWNER.mspName).waitFor();
    expect(await page.getByTestId('user-email').textContent()).toBe(OWNER.email);
    expect(await page.getByTestId('user-role').textContent()).toBe('Owner');
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Report' }).getAttribute('aria-current')).toBe('page');
    await nav.getByRole('link', { name: 'Tenants' }).waitFor();

    await page.screenshot({ path: join(SCREENSHOTS, 'report-empty.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SCREENSHOTS, 'report-empty-narrow.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('an unknown setup link shows the API message and a way to sign in', async () => {
    const fresh = await createFirstOwnerLink(runtime!.database.db);
    expect(fresh).toBeNull(); // an owner exists now
    await page.goto('/setup/this-link-was-never-issued-by-tenantwatch');
    await page.getByRole('alert').getByText('This link is not valid: check that it was copied whole', { exact: false }).waitFor();
    expect(await page.getByRole('link', { name: 'Go to sign in' }).getAttribute('href')).toBe('/signin');
    await page.screenshot({ path: join(SCREENSHOTS, 'setup-invalid.png'), fullPage: true });
  });

  test('signing out ends the session (with the CSRF header) and shows sign-in', async () => {
    await page.goto('/');
    const signOut = page.waitForRequest((r) => r.url().endsWith('/api/v1/auth/sign-out'));
    await page.getByRole('button', { name: 'Sign out' }).click();
    const request = await signOut;
    expect(request.method()).toBe('POST');
    expect((await request.headerValue('x-csrf-token'))?.length).toBeGreaterThan(10);
    await page.waitForURL(`${base}/signin`);
    expect((await context.request.get('/api/v1/auth/session')).status()).toBe(401);
  });

  test('a deep link survives sign-in; a wrong password is reported inline', async () => {
    await page.goto('/tenants');
    await page.waitForURL(`${base}/signin?next=/tenants`);
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'signin.png'), fullPage: true });

    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password', { exact: true }).fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Email or password is incorrect.').waitFor();
    expect(page.url()).toBe(`${base}/signin?next=/tenants`);
    await page.screenshot({ path: join(SCREENSHOTS, 'signin-error.png'), fullPage: true });

    await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/tenants`);
    await page.getByRole('heading', { level: 1, name: 'Tenants' }).waitFor();
    await page.getByRole('heading', { name: 'No tenants yet' }).waitFor();
    await page.getByText('tenantwatch tenant add').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'tenants-empty.png'), fullPage: true });
  });

  test('after sign-in, ?next= never leaves the site', async () => {
    for (const next of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)']) {
      await page.goto(`/signin?next=${encodeURIComponent(next)}`);
      await page.waitForURL(`${base}/`);
    }
  });

  test('tenants are listed with their details, names rendered as text', async () => {
    const session = (await (await context.request.get('/api/v1/auth/session')).json()) as { msp: { id: string } };
    const ctx = { msp: session.msp.id, actor: { type: 'system', role: 'owner' } as const, db: runtime!.database.db, secrets: runtime!.secrets };
    const hostile = '<img src=x onerror="document.title=1"> Fabrikam';
    await createTenant({
      ctx,
      input: { name: 'Contoso Ltd', tenantGuid: '5f0c3a4e-2b1d-4c55-9a43-0d6b7f1a2c3e', primaryDomain: 'contoso.example' },
      isDemo: true,
    });
    await createTenant({ ctx, input: { name: hostile, tenantGuid: '6a1d4b5f-3c2e-4d66-8b54-1e7c8a2b3d4f', primaryDomain: 'fabrikam.example' } });
    await createTenant({
      ctx,
      input: {
        name: 'Tailspin (investigation)',
        tenantGuid: '7b2e5c6a-4d3f-4e77-9c65-2f8d9b3c4e5a',
        primaryDomain: 'tailspin.example',
        auth: { mode: 'import' },
      },
    });

    await page.goto('/tenants');
    const rows = page.getByRole('table').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    // An import-only tenant says so, and that nothing is collected for it.
    const tailspin = rows.filter({ hasText: 'Tailspin (investigation)' });
    await tailspin.getByText('Import only', { exact: true }).waitFor();
    await tailspin.getByText(/never collects from Microsoft/).waitFor();
    expect(await contosoOrFabrikamImportBadges(rows)).toBe(0);
    const contoso = rows.filter({ hasText: 'Contoso Ltd' });
    await contoso.getByText('contoso.example').waitFor();
    await contoso.getByText('5f0c3a4e-2b1d-4c55-9a43-0d6b7f1a2c3e').waitFor();
    await contoso.getByText('Pending').waitFor();
    await contoso.getByText('Demo', { exact: true }).waitFor();
    await rows.filter({ hasText: hostile }).waitFor();
    expect(await page.locator('tbody img').count()).toBe(0);
    expect(await rows.filter({ hasText: 'Fabrikam' }).getByText('Demo', { exact: true }).count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'tenants.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SCREENSHOTS, 'tenants-narrow.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });

    // With a tenant, the Report's empty state no longer asks for one.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Report' }).click();
    await page.getByRole('heading', { name: 'No security events yet' }).waitFor();
    await page.getByRole('link', { name: 'View tenants' }).waitFor();
  });

  test('an unknown page is a 404 inside the shell', async () => {
    await page.goto('/events/123?tab=ip');
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.getByText('/events/123').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'not-found.png'), fullPage: true });
  });

  test('signed out, a deep link to an unknown page still goes through sign-in first', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/signin`);
    await page.goto('/events/123?tab=ip');
    await page.waitForURL(`${base}/signin?next=/events/123%3Ftab%3Dip`);
    expect(new URL(page.url()).searchParams.get('next')).toBe('/events/123?tab=ip');
  });

  test('no console errors or CSP violations along the way', () => {
    expect(pageProblems).toEqual([]);
  });
});

/** Import-only badges on the tenants that are collected (there must be none). */
async function contosoOrFabrikamImportBadges(rows: Locator): Promise<number> {
  return (
    (await rows.filter({ hasText: 'Contoso Ltd' }).getByText('Import only', { exact: true }).count()) +
    (await rows.filter({ hasText: 'Fabrikam' }).getByText('Import only', { exact: true }).count())
  );
}
