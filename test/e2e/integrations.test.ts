/**
 * The Integrations page end to end: the real product (API, workers, database, built web app),
 * the ConnectWise Manage simulator over HTTP, and Debian's Chromium. Wrong keys are explained
 * in plain words; the right ones connect; Contoso is suggested by its domain and confirmed by a
 * person, with a board from the PSA's own list; the test ticket lands in the simulator with its
 * attachment; the templates preview on a real event; the operational settings show their
 * meaning; "Create a ticket" on the event page files one ticket (and says why not for an unmapped
 * tenant); a real event's ticket shows on the event page with its status and link.
 *
 * Needs /usr/bin/chromium. Screenshots go to test/e2e/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { securityEvent, tenant } from '../../db/schema/index.ts';
import { findPsaConnection, readPsaSettings, storedPsaClient } from '../../services/core/psa/psa-connection.ts';
import { syncPsaTickets } from '../../services/core/psa/sync-psa-tickets.ts';
import { createLogger } from '../../services/log.ts';
import { fileAlert } from '../../services/psa/ticketing.ts';
import type { Runtime } from '../../services/runtime.ts';
import { defaultCwState, startConnectWiseSimulator, type ConnectWiseSimulator } from '../../services/sim/connectwise/index.ts';
import { seedMsp, secrets, type Member } from '../helpers/app.ts';
import { ensureWebBuild, launchChromium, productHost, SCREENSHOTS, seriousAccessibilityProblems, watchPage, type ProductHost } from '../helpers/browser.ts';

const CLIENT_ID = '3f8a2e1c-0b7d-4a55-9c1e-5d2b6f7a8c90';
const HOSTILE = `<img src=x onerror=alert(1)> \u202Egnp.exe`;

let sim: ConnectWiseSimulator;
let runtime: Runtime | undefined;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
let watch: Awaited<ReturnType<typeof watchPage>>;
let host: ProductHost | undefined;
let base: string;
let owner: Member;
let contoso: string;
let tailspin: string;
let eventId: string;

beforeAll(async () => {
  ensureWebBuild();
  sim = await startConnectWiseSimulator({ state: defaultCwState({ clientIds: [CLIENT_ID] }) });
  host = await productHost('integrations');
  base = host.base;
  runtime = (await host.start({ TW_COLLECT_INTERVAL_MINUTES: '600' })).runtime;
  owner = await seedMsp(runtime.database, 'owner', 'Northwind IT Services');
  const [c, tt] = await runtime.database.db
    .insert(tenant)
    .values([
      { mspId: owner.mspId, tenantGuid: crypto.randomUUID(), name: 'Contoso', primaryDomain: 'contoso.com', authMode: 'consent' },
      { mspId: owner.mspId, tenantGuid: crypto.randomUUID(), name: 'Tailspin Toys', primaryDomain: 'tailspin.example', authMode: 'consent' },
    ])
    .returning();
  contoso = c!.id;
  tailspin = tt!.id;
  const at = new Date(Date.now() - 3_600_000);
  const [e] = await runtime.database.db
    .insert(securityEvent)
    .values({
      mspId: owner.mspId,
      tenantId: contoso,
      detectionId: 'M365.Exchange.InboxRuleExternalForwarding',
      title: `Forwarding rule ${HOSTILE}`,
      description: 'A rule forwards mail outside.',
      severity: 'high',
      userName: 'megan.bowen@contoso.com',
      operation: 'New-InboxRule',
      dedupKey: 'megan.bowen@contoso.com',
      firstSeenAt: at,
      lastSeenAt: at,
    })
    .returning();
  eventId = e!.id;

  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, baseURL: base });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  watch = await watchPage(page);
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await sim?.close();
}, 60_000);

describe('Integrations', () => {
  test('connecting ConnectWise: wrong keys are explained, the right ones connect and are saved', async () => {
    await page.goto('/signin');
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password', { exact: true }).fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
    await page.waitForURL(`${base}/integrations`);

    await page.getByLabel('Site').fill(sim.url);
    await page.getByLabel('Company ID').fill('tenantwatch_demo');
    await page.getByLabel('Public key').fill('demoPublicKey');
    await page.getByLabel('Private key').fill('wrong');
    await page.getByLabel('clientId').fill(CLIENT_ID);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByTestId('test-result').filter({ hasText: 'check the public and private key' }).waitFor();

    await page.getByLabel('Private key').fill('demoPrivateKey');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByTestId('test-result').filter({ hasText: 'Connected to Tenantwatch Demo MSP' }).waitFor();
    await page.getByRole('button', { name: 'Save connection' }).click();
    await page.getByRole('status').filter({ hasText: 'Connection saved.' }).waitFor();
    await page.getByRole('tab', { name: /ConnectWise Manage connected/ }).waitFor();
  });

  test('Contoso is suggested by its domain, confirmed with a board from the PSA, and the test ticket arrives with its attachment', async () => {
    await page.getByRole('button', { name: 'Read companies and lists' }).click();
    const company = page.getByLabel('PSA company for Contoso');
    await company.waitFor();
    expect(await company.inputValue()).toBe('250');
    await page.getByText('suggested: Contoso Ltd (matching domain)').waitFor();
    expect(await page.getByLabel('PSA company for Tailspin Toys').inputValue()).toBe('');
    await page.getByLabel('Confirm the company for Contoso').check();
    await page.getByLabel('Service board for Contoso').selectOption({ label: 'Security Operations' });
    // Statuses follow the board chosen.
    const statuses = await page.getByLabel('Status for Contoso').locator('option').allTextContents();
    expect(statuses).toEqual(['(default)', 'New (Security)', 'Investigating', 'Closed (closes)']);
    await page.getByLabel('Priority for Contoso').selectOption({ label: 'Priority 2 - Quick Response' });
    await page.getByRole('button', { name: 'Save mapping' }).click();
    await page.getByRole('status').filter({ hasText: 'Tenant mapping saved.' }).waitFor();

    await page.getByRole('button', { name: 'Create test ticket' }).click();
    await page.getByTestId('test-ticket').filter({ hasText: 'TestAttachment.txt attached' }).waitFor();
    const ticket = sim.state.tickets.at(-1)!;
    expect(ticket).toMatchObject({ summary: '[Tenantwatch] Test Alert', companyId: 250, boardId: 2, priorityId: 2 });
    expect(sim.state.documents.find((d) => d.recordId === ticket.id)?.fileName).toBe('TestAttachment.txt');
    expect(await page.getByTestId('test-ticket').getByRole('link').getAttribute('href')).toContain(`service_recid=${ticket.id}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'integrations-mapping.png'), fullPage: true });
  });

  test('templates preview on a real event, hostile text kept as text; settings show their meaning', async () => {
    await page.getByRole('button', { name: 'Preview on the newest event' }).click();
    const preview = page.locator('figure.preview');
    await preview.waitFor();
    // Markup stays text; a direction override is shown, not obeyed.
    expect(await preview.locator('strong').textContent()).toBe('[Tenantwatch] Forwarding rule <img src=x onerror=alert(1)> [U+202E]gnp.exe');
    expect(await preview.locator('pre').textContent()).toContain(`View event: ${base}/events/${eventId}`);
    await page.getByText('Past this many new tickets for one tenant within the flood interval').waitFor();
    expect(await page.getByLabel('ticketFloodLimit').inputValue()).toBe('10');
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    expect(watch.dialogs).toEqual([]);
  });

  test('"Create a ticket" on the event page files one ticket through the outbox; an unmapped tenant says why it cannot', async () => {
    const at = new Date(Date.now() - 1_800_000);
    const [asked, unmapped] = await runtime!.database.db
      .insert(securityEvent)
      .values([
        {
          mspId: owner.mspId,
          tenantId: contoso,
          detectionId: 'M365.AzureAD.PasswordSpray',
          title: 'Password spray against Contoso',
          description: 'Many accounts, one address.',
          severity: 'high',
          networkAddress: '203.0.113.9',
          dedupKey: '203.0.113.9',
          firstSeenAt: at,
          lastSeenAt: at,
        },
        {
          mspId: owner.mspId,
          tenantId: tailspin,
          detectionId: 'M365.AzureAD.PasswordSpray',
          title: 'Password spray against Tailspin',
          description: 'Many accounts, one address.',
          severity: 'high',
          networkAddress: '203.0.113.10',
          dedupKey: '203.0.113.10',
          firstSeenAt: at,
          lastSeenAt: at,
        },
      ])
      .returning();

    await page.goto(`/events/${unmapped!.id}`);
    const blocked = page.getByRole('button', { name: 'Create a ticket' });
    await blocked.waitFor();
    expect(await blocked.isDisabled()).toBe(true);
    await page.getByText('Map Tailspin Toys to a PSA company on the Integrations page first.').waitFor();

    await page.goto(`/events/${asked!.id}`);
    await page.getByRole('button', { name: 'Create a ticket' }).click();
    const cell = page.getByTestId('psa-ticket');
    await cell.getByRole('link').waitFor({ timeout: 60_000 });
    const filed = sim.state.tickets.filter((t) => t.externalXRef === `tw:${asked!.id}`);
    expect(filed).toHaveLength(1);
    expect(await cell.getByRole('link').getAttribute('href')).toContain(`service_recid=${filed[0]!.id}`);
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
  });

  test("a real event's ticket shows on the event page with its status as last read and a link into the PSA", async () => {
    const db = runtime!.database.db;
    const row = (await findPsaConnection(db, owner.mspId, 'connectwise'))!;
    const settings = readPsaSettings(row);
    const filed = await fileAlert({
      db,
      client: storedPsaClient({ secrets }, row),
      connection: { id: row.id, mspId: owner.mspId, kind: 'connectwise' },
      settings: settings.operations,
      templates: settings.templates,
      summaryLimit: 100,
      publicUrl: base,
      mapping: { companyId: '250', routing: { boards: '2' } },
      eventId,
    });
    await fetch(`${sim.url}/_sim/tickets/${filed.ticket.externalId}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Investigating' }),
    });
    await syncPsaTickets({ db, secrets, publicUrl: base, log: createLogger({ logLevel: 'silent' }) });

    // The ticket's "View event" link is the event page.
    const description = sim.state.tickets.find((t) => String(t.id) === filed.ticket.externalId)!.initialDescription!;
    const viewLink = /View event: (\S+)/.exec(description)![1]!;
    await page.goto(viewLink);
    const cell = page.getByTestId('psa-ticket');
    await cell.filter({ hasText: 'Investigating' }).waitFor();
    expect(await cell.getByRole('link').getAttribute('href')).toContain(`service_recid=${filed.ticket.externalId}`);
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    expect(watch.problems).toEqual([]);
    expect(await watch.cspViolations()).toEqual([]);
  });
});
