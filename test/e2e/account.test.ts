/**
 * Your account and the Users page in Chromium against the real product: API tokens (create
 * with an expiry, shown once, listed, revoked), changing one's password, and an admin's
 * "Reset password" link. Screenshots go to test/e2e/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Runtime } from '../../services/runtime.ts';
import { addMember, type Member, seedMsp } from '../helpers/app.ts';
import { CHROMIUM, CHROMIUM_ARGS, ensureWebBuild, productHost, SCREENSHOTS, seriousAccessibilityProblems, type ProductHost } from '../helpers/browser.ts';

let runtime: Runtime | undefined;
let browser: Browser | undefined;
let host: ProductHost | undefined;
let base: string;
let owner: Member;
let tech: Member;
const pageProblems: string[] = [];

async function newPage(): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 900 }, baseURL: base });
  const p = await context.newPage();
  p.setDefaultTimeout(15_000);
  p.on('pageerror', (err) => pageProblems.push(`pageerror: ${err.message}`));
  p.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) pageProblems.push(`console: ${msg.text()}`);
  });
  // "Revoke …?" and "Reset the password …?" are confirmed.
  p.on('dialog', (d) => void d.accept());
  return p;
}

async function signIn(p: Page, who: { email: string; password: string }, path: string) {
  await p.goto(`/signin?next=${encodeURIComponent(path)}`);
  await p.getByLabel('Email').fill(who.email);
  await p.getByLabel('Password', { exact: true }).fill(who.password);
  await p.getByRole('button', { name: 'Sign in', exact: true }).click();
  await p.waitForURL(`${base}${path}`);
}

const apiStatus = async (path: string, token: string) => (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } })).status;
const signInStatus = async (email: string, password: string) =>
  (await fetch(`${base}/api/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) }))
    .status;

beforeAll(async () => {
  ensureWebBuild();
  host = await productHost('account');
  base = host.base;
  runtime = (await host.start()).runtime;
  owner = await seedMsp(runtime.database, 'owner', 'Northwind IT Services');
  tech = await addMember(runtime.database, owner.mspId, 'technician');
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
}, 60_000);

describe('Your account', () => {
  test('API tokens: create one that expires, copy it once, see it listed, revoke it', async () => {
    const page = await newPage();
    await signIn(page, tech, '/account');
    const section = page.getByRole('region', { name: 'API tokens' });
    await section.getByTestId('token-row').first().waitFor();
    expect(await section.getByTestId('token-row').count()).toBe(1);

    await section.getByLabel('Name').fill('PSA sync');
    await section.getByLabel('Expires').selectOption('30');
    await section.getByRole('button', { name: 'Create token' }).click();
    const value = section.getByLabel('New API token');
    await value.waitFor();
    const token = await value.inputValue();
    expect(token).toMatch(/^tw_[\w-]{43}$/);
    expect(await apiStatus('/api/v1/tenants', token)).toBe(200);

    const row = section.getByTestId('token-row').filter({ hasText: 'PSA sync' });
    await row.waitFor();
    await expect.poll(() => row.textContent()).toMatch(/Technician.*Active/s);
    expect(await row.locator('td').nth(3).textContent()).not.toBe('Never');
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'account-tokens.png'), fullPage: true });
    await section.getByRole('button', { name: 'I have copied it' }).click();

    await row.getByRole('button', { name: 'Revoke PSA sync' }).click();
    await expect.poll(() => row.textContent()).toContain('Revoked');
    expect(await apiStatus('/api/v1/tenants', token)).toBe(401);
    // Still revoked after a reload: it came from the server.
    await page.reload();
    await expect.poll(() => page.getByTestId('token-row').filter({ hasText: 'PSA sync' }).textContent()).toContain('Revoked');
  }, 120_000);

  test('change password: a wrong current password is refused; the right one changes it', async () => {
    const page = await newPage();
    await signIn(page, tech, '/account');
    const section = page.getByRole('region', { name: 'Password' });
    await section.getByLabel('Current password').fill('not my password');
    await section.getByLabel('New password', { exact: true }).fill('a new and longer passphrase');
    await section.getByLabel('New password again').fill('a new and longer passphrase');
    await section.getByRole('button', { name: 'Change password' }).click();
    await section.getByRole('alert').getByText('Your current password is not right.', { exact: false }).waitFor();

    await section.getByLabel('Current password').fill(tech.password);
    await section.getByRole('button', { name: 'Change password' }).click();
    await section.getByText('Your password is changed.', { exact: false }).waitFor();
    expect(await signInStatus(tech.email, tech.password)).toBe(401);
    expect(await signInStatus(tech.email, 'a new and longer passphrase')).toBe(200);
    // This browser stays signed in.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
    tech = { ...tech, password: 'a new and longer passphrase' };
  }, 120_000);
});

describe('Users', () => {
  test('Reset password gives a one-time link that sets a new password', async () => {
    const page = await newPage();
    await signIn(page, owner, '/users');
    const row = page.getByTestId('user-row').filter({ hasText: tech.email });
    await row.getByRole('button', { name: 'Reset password' }).click();
    const link = page.getByLabel('Setup link');
    await link.waitFor();
    const url = await link.inputValue();
    expect(url).toMatch(/\/setup\/[\w-]{43}$/);
    expect(await signInStatus(tech.email, tech.password)).toBe(401);

    const other = await newPage();
    await other.goto(new URL(url).pathname);
    await other.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
    await other.getByLabel('Password', { exact: true }).fill('the password after reset');
    await other.getByLabel('Confirm password').fill('the password after reset');
    await other.getByRole('button', { name: 'Save password and sign in' }).click();
    await other.waitForURL(`${base}/`);
    expect(await signInStatus(tech.email, 'the password after reset')).toBe(200);
    // The link describes itself as used now.
    await other.goto(new URL(url).pathname);
    await other.getByText('This link was already used.', { exact: false }).waitFor();
    expect(pageProblems).toEqual([]);
  }, 120_000);
});
