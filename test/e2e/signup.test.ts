/**
 * The sign-up page in Chromium against the real product: with TW_SIGNUP=open anyone creates a
 * new MSP at /signup and lands in its (empty) workspace; an operator's one-time link suggests the
 * company name and works once. Pages are checked with axe-core; screenshots go to test/e2e/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMspSignupLink } from '../../services/core/msp/sign-up-msp.ts';
import type { Runtime } from '../../services/runtime.ts';
import { seedMsp } from '../helpers/app.ts';
import { launchChromium, productHost, SCREENSHOTS, seriousAccessibilityProblems, watchPage, type ProductHost } from '../helpers/browser.ts';

let host: ProductHost | undefined;
let runtime: Runtime;
let browser: Browser | undefined;

beforeAll(async () => {
  host = await productHost('signup');
  ({ runtime } = await host.start({ TW_SIGNUP: 'open' }));
  // Sign-up starts once the installation has its first owner.
  await seedMsp(runtime.database, 'owner', 'Northwind IT');
  browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

async function fillSignUp(page: Page, who: { mspName?: string; name: string; email: string }) {
  if (who.mspName !== undefined) await page.getByLabel('Company (MSP) name').fill(who.mspName);
  await page.getByLabel('Your name').fill(who.name);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill('a long enough passphrase');
  await page.getByLabel('Confirm password').fill('a long enough passphrase');
  await page.getByRole('button', { name: 'Create workspace and sign in' }).click();
}

describe('sign-up page', () => {
  test('open sign-up creates a new MSP and signs its owner in to an empty workspace', async () => {
    const context = await browser!.newContext({ baseURL: host!.base });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const watch = await watchPage(page);
    await page.goto('/signup');
    await page.getByRole('heading', { name: 'Sign up your MSP' }).waitFor();
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'signup.png'), fullPage: true });

    // The form says what is missing before sending anything.
    await page.getByRole('button', { name: 'Create workspace and sign in' }).click();
    await page.getByText("Enter your company's name.").waitFor();

    await fillSignUp(page, { mspName: 'Fabrikam IT', name: 'Fabrikam Owner', email: 'owner@fabrikam.example' });
    await page.waitForURL(`${host!.base}/`);
    await expect.poll(() => page.getByTitle('Your MSP').textContent(), { timeout: 20_000 }).toBe('Fabrikam IT');
    expect(watch.problems).toEqual([]);
    expect(await watch.cspViolations()).toEqual([]);
    await context.close();
  }, 120_000);

  test("an operator's link suggests the company name and works once", async () => {
    const { token } = await createMspSignupLink({ db: runtime.database.db, mode: 'open' }, { mspName: 'Contoso Partners' });
    const context = await browser!.newContext({ baseURL: host!.base });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const watch = await watchPage(page);
    await page.goto(`/signup/${token}`);
    await expect.poll(() => page.getByLabel('Company (MSP) name').inputValue(), { timeout: 20_000 }).toBe('Contoso Partners');
    await fillSignUp(page, { name: 'Contoso Owner', email: 'owner@contoso-partners.example' });
    await page.waitForURL(`${host!.base}/`);
    await expect.poll(() => page.getByTitle('Your MSP').textContent(), { timeout: 20_000 }).toBe('Contoso Partners');

    await page.goto(`/signup/${token}`);
    await page.getByRole('heading', { name: "This sign-up link can't be used" }).waitFor();
    await page.getByText(/already used or has expired/).waitFor();
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    expect(watch.problems).toEqual([]);
    await context.close();
  }, 120_000);
});
