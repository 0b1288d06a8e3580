/**
 * How MSP staff get in, end to end in Chromium against the real product (API, workers, built
 * web app) and the Microsoft 365 simulator over HTTPS: two-step sign-in (enrolment with the QR
 * code's secret, password + code, a recovery code once), Sign in with Microsoft, inviting a
 * user who accepts, changing a role, and the tenants page (health in words, disable/enable).
 * Every page visited is checked with axe-core. Screenshots go to test/e2e/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { appUser, collectorCheckpoint } from '../../db/schema/index.ts';
import { COLLECTED_SOURCES } from '../../services/collector/collect-tenant.ts';
import { createTenant } from '../../services/core/tenant/create-tenant.ts';
import type { Runtime } from '../../services/runtime.ts';
import { DEFAULT_USER_PASSWORD, startM365Simulator, type M365Simulator } from '../../services/sim/m365/index.ts';
import { COLLECTOR_APP_ID, COLLECTOR_SECRET, NORTHWIND_PEOPLE, collectorApp, northwindWithPeople } from '../helpers/m365-sim.ts';
import { simulatorTls } from '../../services/sim/m365/tls.ts';
import { addMember, type Member, seedMsp } from '../helpers/app.ts';
import { CHROMIUM, CHROMIUM_ARGS, ensureWebBuild, SCREENSHOTS, seriousAccessibilityProblems, productHost, type ProductHost } from '../helpers/browser.ts';

let sim: M365Simulator;
let runtime: Runtime | undefined;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
let base: string;
let host: ProductHost | undefined;
let owner: Member;
let secret = '';
let recoveryCodes: string[] = [];
const pageProblems: string[] = [];
const a11y: Record<string, string[]> = {};

async function newPage(ctx: BrowserContext): Promise<Page> {
  const p = await ctx.newPage();
  p.setDefaultTimeout(15_000);
  p.on('pageerror', (err) => pageProblems.push(`pageerror: ${err.message}`));
  p.on('console', (msg) => {
    // Chromium logs expected 4xx answers (a wrong code, the session check) as "Failed to load resource".
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) pageProblems.push(`console: ${msg.text()}`);
  });
  return p;
}

/** axe-core on the page as it is now, kept by name for the final assertion; and a screenshot. */
async function checkPage(p: Page, name: string) {
  a11y[name] = await seriousAccessibilityProblems(p);
  await p.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

const totpCode = (offsetSteps = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: Date.now() + offsetSteps * 30_000 });

async function signInWithPassword(p: Page, who: { email: string; password: string }) {
  await p.goto('/signin');
  await p.getByLabel('Email').fill(who.email);
  await p.getByLabel('Password', { exact: true }).fill(who.password);
  await p.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function signOut(p: Page) {
  await p.getByRole('button', { name: 'Sign out' }).click();
  await p.waitForURL(`${base}/signin`);
}

beforeAll(async () => {
  ensureWebBuild();
  host = await productHost('access');
  base = host.base;
  sim = await startM365Simulator({
    tls: simulatorTls(),
    // The MSP's own app, with Tenantwatch's sign-in callback registered as a redirect URI.
    apps: [{ ...collectorApp(), displayName: 'Tenantwatch', redirectUris: [`${base}/api/v1/auth/microsoft/callback`] }],
    tenants: [northwindWithPeople()],
  });
  runtime = (
    await host.start({
      TW_LOGIN_URL: sim.url,
      TW_GRAPH_URL: sim.url,
      TW_MANAGEMENT_URL: sim.url,
      TW_MS_CLIENT_ID: COLLECTOR_APP_ID,
      TW_MS_CLIENT_SECRET: COLLECTOR_SECRET,
    })
  ).runtime;
  owner = await seedMsp(runtime.database, 'owner', 'Northwind IT Services');
  await runtime.database.db.update(appUser).set({ name: 'Avery Owner' }).where(eq(appUser.id, owner.userId));

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  // The simulator's certificate is made for this run: the browser is told to accept it.
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: base, ignoreHTTPSErrors: true });
  page = await newPage(context);
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await sim?.close();
}, 60_000);

describe('how MSP staff get in', () => {
  test('the owner sets up two-step sign-in from the QR code page and gets ten recovery codes', async () => {
    await signInWithPassword(page, owner);
    await page.waitForURL(`${base}/`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Your account' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
    await page.getByText('Off', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Set up two-step sign-in' }).click();

    const qr = page.getByRole('img', { name: 'QR code to add Tenantwatch to an authenticator app' });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s+/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await checkPage(page, 'account-enrol');

    // A wrong code first: said so, still off.
    await page.getByLabel('Code from the app').fill('000000');
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('alert').getByText('That code is not right.', { exact: false }).waitFor();

    await page.getByLabel('Code from the app').fill(totpCode(-1));
    await page.getByRole('button', { name: 'Turn on' }).click();
    const list = page.getByRole('list', { name: 'Recovery codes' });
    await list.waitFor();
    recoveryCodes = (await list.locator('code').allTextContents()).map((c) => c.trim());
    expect(recoveryCodes).toHaveLength(10);
    await checkPage(page, 'account-recovery-codes');
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByText('10', { exact: true }).waitFor();
    await checkPage(page, 'account-two-step-on');
  });

  test('signing in now takes the password and then a code from the app', async () => {
    await signOut(page);
    await page.goto('/users');
    await page.waitForURL(`${base}/signin?next=/users`);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password', { exact: true }).fill(owner.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Enter your code' }).waitFor();
    await checkPage(page, 'signin-code');
    // Not signed in yet.
    expect((await context.request.get('/api/v1/auth/session')).status()).toBe(401);
    await page.getByLabel('Authentication code').fill('123456');
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.getByRole('alert').getByText('That code is not right.', { exact: false }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'signin-code-wrong.png'), fullPage: true });
    // The code of the next step: the current one was used to turn two-step sign-in on.
    await page.getByLabel('Authentication code').fill(totpCode(1));
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.waitForURL(`${base}/users`);
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  });

  test('a recovery code works once', async () => {
    await signOut(page);
    await signInWithPassword(page, owner);
    await page.getByLabel('Authentication code').fill(recoveryCodes[0]!.toUpperCase());
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.waitForURL(`${base}/`);
    await signOut(page);

    await signInWithPassword(page, owner);
    await page.getByLabel('Authentication code').fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.getByRole('alert').getByText('That code is not right.', { exact: false }).waitFor();
    await page.getByLabel('Authentication code').fill(recoveryCodes[1]!);
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.waitForURL(`${base}/`);
    await page.goto('/account');
    await page.getByText('8', { exact: true }).waitFor();
  });

  test('the owner invites a technician, who accepts the invitation; the owner then changes their role', async () => {
    await page.goto('/users');
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await page.getByLabel('Email', { exact: true }).fill('casey@northwind.example');
    await page.getByLabel('Name (optional)').fill('Casey <b>Tech</b>');
    await page.getByLabel('Role', { exact: true }).selectOption('technician');
    await page.getByRole('button', { name: 'Invite' }).click();
    const link = await page.getByLabel('Setup link').inputValue();
    expect(link).toMatch(new RegExp(`^${base}/setup/[A-Za-z0-9_-]{40,}$`));
    const row = page.getByTestId('user-row').filter({ hasText: 'casey@northwind.example' });
    await row.getByText('Invited').waitFor();
    // The name is text, never markup.
    await row.getByText('Casey <b>Tech</b>').waitFor();
    await checkPage(page, 'users-invited');

    const invitee = await browser!.newContext({ viewport: { width: 1280, height: 800 }, baseURL: base });
    const other = await newPage(invitee);
    await other.goto(link);
    await other.getByLabel('Your name').fill('Casey Tech');
    await other.getByLabel('Password', { exact: true }).fill('casey picks a long password');
    await other.getByLabel('Confirm password').fill('casey picks a long password');
    await other.getByRole('button', { name: /sign in/i }).click();
    await other.waitForURL(`${base}/`);
    expect(await other.getByTestId('user-email').textContent()).toBe('casey@northwind.example');
    expect(await other.getByTestId('user-role').textContent()).toBe('Technician');
    // A technician has no users page in the menu.
    expect(await other.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).count()).toBe(0);
    await invitee.close();

    await page.reload();
    const accepted = page.getByTestId('user-row').filter({ hasText: 'casey@northwind.example' });
    await accepted.getByText('Active').waitFor();
    await accepted.getByLabel('Role of casey@northwind.example').selectOption('read_only');
    await page.getByRole('status').getByText('casey@northwind.example is now Read-only.').waitFor();
    // The owner cannot demote themselves below owner here (they are the only one): no role picker on their row.
    expect(await page.getByTestId('user-row').filter({ hasText: '(you)' }).locator('select').count()).toBe(0);
    await checkPage(page, 'users');
  });

  test('Sign in with Microsoft, against the simulated Entra ID', async () => {
    const megan = await addMember(runtime!.database, owner.mspId, 'admin');
    await runtime!.database.db
      .update(appUser)
      .set({ email: NORTHWIND_PEOPLE.admin.userPrincipalName, name: 'Megan Bowen' })
      .where(eq(appUser.id, megan.userId));

    const ctx = await browser!.newContext({ viewport: { width: 1280, height: 800 }, baseURL: base, ignoreHTTPSErrors: true });
    const p = await newPage(ctx);
    await p.goto('/tenants');
    await p.waitForURL(`${base}/signin?next=/tenants`);
    await checkPage(p, 'signin-with-microsoft');
    await p.getByRole('link', { name: 'Sign in with Microsoft' }).click();
    await p.waitForURL((url) => url.href.startsWith(sim.url));
    await p.locator('input[name=login]').fill(NORTHWIND_PEOPLE.admin.userPrincipalName);
    await p.locator('input[name=passwd]').fill(DEFAULT_USER_PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL(`${base}/tenants`);
    expect(await p.getByTestId('user-email').textContent()).toBe(NORTHWIND_PEOPLE.admin.userPrincipalName);

    // Someone Microsoft knows but Tenantwatch does not is refused, with words on the sign-in page.
    await signOut(p);
    await p.getByRole('link', { name: 'Sign in with Microsoft' }).click();
    await p.locator('input[name=login]').fill(NORTHWIND_PEOPLE.user.userPrincipalName);
    await p.locator('input[name=passwd]').fill(DEFAULT_USER_PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL((url) => url.pathname === '/signin');
    await p
      .getByRole('alert')
      .getByText(`No Tenantwatch account matches the Microsoft account ${NORTHWIND_PEOPLE.user.userPrincipalName}`, { exact: false })
      .waitFor();
    await checkPage(p, 'signin-microsoft-refused');
    await ctx.close();
  });

  test("the tenants page tells each tenant's health in words, and pauses and resumes collection", async () => {
    const ctx = { msp: owner.mspId, actor: { type: 'system', role: 'owner' } as const, db: runtime!.database.db, secrets: runtime!.secrets };
    const tenant = await createTenant({
      ctx,
      input: { name: 'Fabrikam <i>Ltd</i>', tenantGuid: '6a1d4b5f-3c2e-4d66-8b54-1e7c8a2b3d4f', primaryDomain: 'fabrikam.example' },
    });
    // What the collector records: one source failing, the others fine. Every source's next
    // attempt is tomorrow, so the running workers leave these rows as they are.
    const now = Date.now();
    const later = new Date(now + 86_400_000);
    for (const source of COLLECTED_SOURCES) {
      const failing = source === 'Audit.Exchange';
      const values = {
        windowEnd: new Date(now - 20 * 60_000),
        lastSuccessAt: new Date(now - 20 * 60_000),
        lastAttemptAt: new Date(now),
        lastError: failing ? 'Signing in to the tenant failed: AADSTS7000215 Invalid client secret provided.' : null,
        lastErrorAt: failing ? new Date(now) : null,
        consecutiveFailures: failing ? 3 : 0,
        nextAttemptAt: later,
      };
      await runtime!.database.db
        .insert(collectorCheckpoint)
        .values({ tenantId: tenant.id, source, ...values })
        .onConflictDoUpdate({ target: [collectorCheckpoint.tenantId, collectorCheckpoint.source], set: values });
    }

    await page.goto('/tenants');
    const row = page.getByRole('table').locator('tbody tr').filter({ hasText: 'Fabrikam <i>Ltd</i>' });
    await row.getByText('Exchange audit log is failing: Signing in to the tenant failed: AADSTS7000215 Invalid client secret provided.').waitFor();
    await row.getByRole('button', { name: 'Details for Fabrikam <i>Ltd</i>' }).click();
    const details = page.locator(`#details-${tenant.id}`);
    await details.getByRole('heading', { name: 'Collection from Fabrikam <i>Ltd</i>' }).waitFor();
    await details
      .getByRole('row', { name: /Exchange audit log/ })
      .getByText('3 failures in a row', { exact: false })
      .waitFor();
    await details
      .getByRole('row', { name: /Sign-ins \(Graph\)/ })
      .getByText('20 min')
      .waitFor();
    await checkPage(page, 'tenants-health');

    await details.getByRole('button', { name: 'Disable collection' }).click();
    await row.getByText('Paused: Tenantwatch is not collecting from this tenant.').waitFor();
    await row.getByText('Disabled', { exact: true }).waitFor();
    await details.getByRole('button', { name: 'Enable collection' }).click();
    await row.getByText('Pending', { exact: true }).waitFor();
    await checkPage(page, 'tenants-enabled-again');

    // The admin consent callback's outcome is shown at the top.
    await page.goto(`/tenants?consentError=${encodeURIComponent("Consent was not granted on Microsoft's consent page, so the tenant was not added.")}`);
    await page.getByRole('alert').getByText("Consent was not granted on Microsoft's consent page", { exact: false }).waitFor();
    await page.getByRole('radio', { name: 'Admin consent (recommended)' }).waitFor();
    await page.getByLabel('Customer name').fill('Contoso Ltd');
    await page.getByLabel('Primary domain').fill('contoso.com');
    await page.getByRole('button', { name: 'Create consent link' }).click();
    const open = page.getByRole('link', { name: "Open Microsoft's consent page" });
    expect(await open.getAttribute('href')).toMatch(new RegExp(`^${sim.url}/organizations/v2.0/adminconsent\\?`));
    await checkPage(page, 'tenants-add');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SCREENSHOTS, 'tenants-add-narrow.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('no serious accessibility problems, console errors or CSP violations along the way', () => {
    expect(Object.keys(a11y).length).toBeGreaterThanOrEqual(8);
    expect(Object.fromEntries(Object.entries(a11y).filter(([, problems]) => problems.length > 0))).toEqual({});
    expect(pageProblems).toEqual([]);
  });
});
