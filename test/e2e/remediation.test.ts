/**
 * One approval through the web app, end to end: the real product (API, workers, database, built
 * web app) in this process and the Microsoft 365 simulator over HTTPS. A technician asks for
 * "Block sign-in" on the event page (confirm dialog), an admin approves it on the Approvals page,
 * the worker blocks the user in the simulator, and the action history says so with the approver;
 * blocking an administrator is refused by Entra and the history explains it.
 *
 * Needs /usr/bin/chromium. Screenshots go to test/e2e/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventEntity, securityEvent } from '../../db/schema/index.ts';
import type { Runtime } from '../../services/runtime.ts';
import { startM365Simulator, type M365Simulator } from '../../services/sim/m365/index.ts';
import { BEC, becScenario, collectorConsent, CONTOSO } from '../../services/sim/m365/scenarios/index.ts';
import { COLLECTOR_APP_ID, collectorApp } from '../helpers/m365-sim.ts';
import { simulatorTls } from '../../services/sim/m365/tls.ts';
import { addMember, seedMsp, type Member } from '../helpers/app.ts';
import { launchChromium, productHost, seriousAccessibilityProblems, watchPage, type ProductHost } from '../helpers/browser.ts';
import { insertSimTenant } from '../helpers/sim-tenant.ts';

const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

let sim: M365Simulator;
let runtime: Runtime | undefined;
let browser: Browser | undefined;
let host: ProductHost | undefined;
let owner: Member;
let tech: Member;
let eventId: string;
let adminEventId: string;
let upn: string;

async function signIn(p: Page, member: Pick<Member, 'email' | 'password'>): Promise<void> {
  await p.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await p.getByLabel('Email').fill(member.email);
  await p.getByLabel('Password', { exact: true }).fill(member.password);
  await p.getByRole('button', { name: 'Sign in' }).click();
}

async function pageFor(member: Member, path: string): Promise<{ page: Page; problems: string[] }> {
  const context = await browser!.newContext({ viewport: { width: 1440, height: 900 }, baseURL: host!.base });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const watch = await watchPage(page);
  await page.goto(path);
  await signIn(page, member);
  return { page, problems: watch.problems };
}

beforeAll(async () => {
  const consent = collectorConsent(COLLECTOR_APP_ID);
  sim = await startM365Simulator({
    tls: simulatorTls(),
    apps: [collectorApp()],
    tenants: [
      becScenario({ users: 12, consents: [{ ...consent, roles: { ...consent.roles, graph: [...(consent.roles.graph ?? []), 'User.ReadWrite.All'] } }] }),
    ],
  });
  host = await productHost('remediation');
  const started = await host.start({
    TW_LOGIN_URL: sim.url,
    TW_GRAPH_URL: sim.url,
    TW_MANAGEMENT_URL: sim.url,
    TW_EXCHANGE_URL: sim.url,
    TW_COLLECT_INTERVAL_MINUTES: '600',
  });
  runtime = started.runtime;
  owner = await seedMsp(runtime.database, 'owner', 'Northwind IT Services');
  tech = await addMember(runtime.database, owner.mspId, 'technician');
  const tenantId = (await insertSimTenant(runtime.database.db, CONTOSO.tenantId, { mspId: owner.mspId })).id;
  const t = sim.state.findTenant(CONTOSO.tenantId)!;
  const user = t.users.find((u) => u.mail && !t.directory.roleAssignments.some((a) => a.principalId === u.id))!;
  upn = user.userPrincipalName;
  // An event as detection raises it: a risky sign-in with the user as its primary entity.
  const at = new Date();
  const [event] = await runtime.database.db
    .insert(securityEvent)
    .values({
      mspId: owner.mspId,
      tenantId,
      detectionId: 'M365.AzureAD.ImpossibleTravel',
      title: 'Impossible travel',
      description: 'Sign-ins from two countries an hour apart.',
      severity: 'high',
      userName: upn,
      dedupKey: upn,
      firstSeenAt: at,
      lastSeenAt: at,
    })
    .returning();
  eventId = event!.id;
  await runtime.database.db
    .insert(eventEntity)
    .values({ eventId, mspId: owner.mspId, kind: 'user', key: upn, isPrimary: true, remediations: ['revoke-sessions', 'reset-password', 'block-sign-in'] });
  // The same for an administrator of the tenant, whom Entra protects from the app.
  const [adminEvent] = await runtime.database.db
    .insert(securityEvent)
    .values({
      mspId: owner.mspId,
      tenantId,
      detectionId: 'M365.AzureAD.ImpossibleTravel',
      title: 'Impossible travel by an administrator',
      description: 'Sign-ins from two countries an hour apart.',
      severity: 'high',
      userName: BEC.victimUpn,
      dedupKey: BEC.victimUpn,
      firstSeenAt: at,
      lastSeenAt: at,
    })
    .returning();
  adminEventId = adminEvent!.id;
  await runtime.database.db
    .insert(eventEntity)
    .values({ eventId: adminEventId, mspId: owner.mspId, kind: 'user', key: BEC.victimUpn, isPrimary: true, remediations: ['block-sign-in'] });
  browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await sim?.close();
});

describe('an approval through the web app', () => {
  // One walk through two browser sessions: about 25 s on a quiet machine, more on a busy one.
  test('a technician asks, an admin approves, the user is blocked, and the history says who approved', async () => {
    const user = () => sim.state.findTenant(CONTOSO.tenantId)!.users.find((u) => u.userPrincipalName === upn)!;

    const asking = await pageFor(tech, `/events/${eventId}`);
    await asking.page.getByRole('heading', { level: 1, name: 'Impossible travel' }).waitFor();
    await asking.page.locator('button[data-action="block-sign-in"]').click();
    const dialog = asking.page.getByTestId('remediation-confirm');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.textContent()).toContain(upn);
    await dialog.getByTestId('confirm-remediation').click();
    const card = asking.page.getByTestId('remediation-action');
    await expect.poll(() => card.getByTestId('action-status').textContent()).toBe('Waiting for approval');
    await asking.page.screenshot({ path: join(SCREENSHOTS, 'remediation-requested.png'), fullPage: true });
    expect(user().accountEnabled).toBe(true);
    expect(asking.problems).toEqual([]);

    const approving = await pageFor(owner, '/approvals');
    await approving.page.getByRole('heading', { level: 1, name: 'Approvals' }).waitFor();
    const pending = approving.page.getByTestId('approvals').getByTestId('remediation-action');
    await expect.poll(() => pending.count()).toBe(1);
    expect(await pending.textContent()).toContain('Impossible travel');
    // The approver hears of it in the app: a count beside Approvals in the navigation.
    await expect.poll(() => approving.page.getByTestId('approvals-waiting').textContent()).toBe('1 waiting');
    expect(await pending.getByTestId('user-risk').textContent()).toContain('25/100');
    expect(await seriousAccessibilityProblems(approving.page)).toEqual([]);
    await approving.page.screenshot({ path: join(SCREENSHOTS, 'remediation-approvals.png'), fullPage: true });
    await pending.getByLabel('Comment (optional)').fill('Confirmed with the customer');
    await pending.getByTestId('approve').click();
    await expect.poll(() => approving.page.getByTestId('approvals').count()).toBe(0);

    // The worker runs it within seconds; the history page refreshes itself until it settles.
    await expect.poll(() => user().accountEnabled, { timeout: 60_000 }).toBe(false);
    await approving.page.goto('/actions');
    const done = approving.page.getByTestId('history').getByTestId('remediation-action').first();
    await expect.poll(() => done.getByTestId('action-status').textContent(), { timeout: 30_000 }).toBe('Done');
    const text = (await done.textContent()) ?? '';
    expect(text).toContain('Confirmed with the customer');
    expect(text).toContain('Done in Microsoft 365.');
    await approving.page.screenshot({ path: join(SCREENSHOTS, 'remediation-history.png'), fullPage: true });

    // The approval policy on the same page: running block sign-in without approval warns why that matters.
    await approving.page.goto('/approvals');
    const row = approving.page.getByTestId('approval-policy').locator('tr[data-action="block-sign-in"]');
    await expect.poll(() => row.getByTestId('policy-now').textContent()).toBe('Now: after approval');
    await row.getByRole('combobox').selectOption('auto');
    await expect.poll(() => row.getByTestId('policy-now').textContent()).toBe('Now: at once');
    expect(await row.getByRole('note').textContent()).toContain('restricts');
    await approving.page.goto('/actions');

    // Undo from the history: the user can sign in again.
    await done.getByTestId('undo').click();
    await expect.poll(() => user().accountEnabled, { timeout: 60_000 }).toBe(true);

    // Blocking an administrator: Entra refuses the app, and the history says why in plain words.
    await approving.page.goto(`/events/${adminEventId}`);
    await approving.page.getByRole('heading', { level: 1, name: 'Impossible travel by an administrator' }).waitFor();
    await approving.page.locator('button[data-action="block-sign-in"]').click();
    await approving.page.getByTestId('remediation-confirm').getByTestId('confirm-remediation').click();
    // The newest action heads the history, which refreshes itself until it settles.
    await approving.page.goto('/actions');
    const refused = approving.page.getByTestId('history').getByTestId('remediation-action').first();
    await expect.poll(() => refused.getByTestId('action-status').textContent(), { timeout: 60_000 }).toBe('Failed');
    expect(await refused.getByTestId('action-error').textContent()).toContain(
      `Microsoft Entra refused to block sign-in for ${BEC.victimUpn}: the user holds the Exchange Administrator role`,
    );
    await approving.page.screenshot({ path: join(SCREENSHOTS, 'remediation-refused.png'), fullPage: true });
    expect(sim.state.findTenant(CONTOSO.tenantId)!.users.find((u) => u.userPrincipalName === BEC.victimUpn)!.accountEnabled).toBe(true);
    expect(approving.problems).toEqual([]);
  }, 180_000);
});
