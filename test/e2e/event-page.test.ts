/**
 * The event page end to end: the real product (API, workers, database, built web app) in this
 * process and the Microsoft 365 simulator over HTTPS playing the bec story, collected, detected
 * and enriched for real; then Debian's Chromium opens the events. Covers the details, the
 * Recorded / Live switch with a change made in the simulator, ignore and unignore, a whitelist
 * rule from the event with its dry run, deep links through sign-in, another MSP's event, roles,
 * and hostile strings in every field rendered as text.
 *
 * Needs /usr/bin/chromium. Screenshots go to test/e2e/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asc, eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { activity, eventActivity, eventEntity, securityEvent, tenant, whitelistRule } from '../../db/schema/index.ts';
import { createIpIntel, type IpIntelService } from '../../enrichment/ip/index.ts';
import { createEntityLookup } from '../../enrichment/lookup.ts';
import { enrichEvent } from '../../enrichment/stage.ts';
import { collectTenant } from '../../services/collector/collect-tenant.ts';
import { createTokenProvider } from '../../services/microsoft/token-provider.ts';
import { type Config } from '../../services/config.ts';
import { detectActivity } from '../../services/detection/engine.ts';
import { createLogger } from '../../services/log.ts';
import type { Runtime } from '../../services/runtime.ts';
import { startM365Simulator, type M365Simulator } from '../../services/sim/m365/index.ts';
import { BEC, becScenario, collectorConsent, CONTOSO } from '../../services/sim/m365/scenarios/index.ts';
import { COLLECTOR_APP_ID, collectorApp } from '../helpers/m365-sim.ts';
import { simulatorTls } from '../../services/sim/m365/tls.ts';
import { addMember, secrets, seedMsp, type Member } from '../helpers/app.ts';
import { axeViolations, ensureWebBuild, launchChromium, watchPage, productHost, type ProductHost } from '../helpers/browser.ts';
import { insertSimTenant } from '../helpers/sim-tenant.ts';

const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const FORWARDING = 'M365.Exchange.InboxRuleExternalForwarding';

/** Attacker-written text: markup, a script, a javascript: URL, an RTL override. */
const HOSTILE = `<img src=x onerror=alert(1)>"><script>alert(2)</script> javascript:alert(3) \u202Egnp.exe <svg onload=alert(4)>`;

let sim: M365Simulator;
let runtime: Runtime | undefined;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
let watch: Awaited<ReturnType<typeof watchPage>>;
let base: string;
let host: ProductHost | undefined;
let ipIntel: IpIntelService | undefined;
let owner: Member;
let tenantId: string;
let forwarding: typeof securityEvent.$inferSelect;

async function simControl(path: string, method: string, body: unknown): Promise<void> {
  const res = await fetch(`${sim.url}/_sim/tenants/${CONTOSO.tenantId}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.ok, `${method} ${path}: ${res.status}`).toBe(true);
}

/** Collects the bec day from the simulator, runs detection and the enrichment stage, as the pipeline does. */
async function collectDetectEnrich(config: Config): Promise<void> {
  const db = runtime!.database.db;
  const log = createLogger({ logLevel: 'silent' });
  const tokens = createTokenProvider(config, secrets);
  const results = await collectTenant({ db, config, tokens, log, timeoutMs: 20_000 }, tenantId);
  expect(results.filter((r) => r.status === 'failed')).toEqual([]);
  const ids = (await db.select({ id: activity.id }).from(activity).where(eq(activity.tenantId, tenantId)).orderBy(asc(activity.ingestedAt))).map((r) => r.id);
  for (let i = 0; i < ids.length; i += 1000) await detectActivity({ db, log }, ids.slice(i, i + 1000));
  const lookup = createEntityLookup({ graphUrl: sim.url, exchangeUrl: sim.url, tokens, ipIntel: ipIntel! });
  const events = await db.select().from(securityEvent).where(eq(securityEvent.tenantId, tenantId));
  // The bec story raises 8 events on a frozen clock; a running one may add one about the day itself.
  expect(events.length).toBeGreaterThanOrEqual(8);
  for (const e of events) await enrichEvent({ db, lookup }, e.id);
  forwarding = events.find((e) => e.detectionId === FORWARDING)!;
  expect(forwarding).toBeDefined();
}

async function signIn(p: Page, member: Pick<Member, 'email' | 'password'>): Promise<void> {
  await p.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await p.getByLabel('Email').fill(member.email);
  await p.getByLabel('Password', { exact: true }).fill(member.password);
  await p.getByRole('button', { name: 'Sign in' }).click();
}

beforeAll(async () => {
  ensureWebBuild();
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  sim = await startM365Simulator({
    tls: simulatorTls(),
    apps: [collectorApp()],
    tenants: [becScenario({ day: yesterday, users: 30, consents: [collectorConsent(COLLECTOR_APP_ID)] })],
  });

  host = await productHost('event');
  base = host.base;
  const started = await host.start({
    TW_LOGIN_URL: sim.url,
    TW_GRAPH_URL: sim.url,
    TW_MANAGEMENT_URL: sim.url,
    TW_EXCHANGE_URL: sim.url,
    // The test collects by itself; the scheduler should not join in.
    TW_COLLECT_INTERVAL_MINUTES: '600',
  });
  runtime = started.runtime;
  const config = started.config;
  ipIntel = createIpIntel(config.ipIntel);

  owner = await seedMsp(runtime.database, 'owner', 'Northwind IT Services');
  tenantId = (await insertSimTenant(runtime.database.db, CONTOSO.tenantId, { mspId: owner.mspId })).id;
  await collectDetectEnrich(config);

  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: base });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  watch = await watchPage(page);
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await ipIntel?.close();
  await sim?.close();
}, 60_000);

describe('the event page', () => {
  test('signed out, a link to an event goes through sign-in and lands on the event', async () => {
    await page.goto(`/events/${forwarding.id}`);
    await page.waitForURL(`${base}/signin?next=/events/${forwarding.id}`);
    await signIn(page, owner);
    await page.waitForURL(`${base}/events/${forwarding.id}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(forwarding.title);
  });

  test('shows the header, the entities by kind, how to react, related events and the raw records', async () => {
    const header = page.locator('header.event-head');
    expect(await header.getByTestId('severity').first().textContent()).toMatch(/High|Critical|Medium/);
    expect(await header.getByTestId('status').textContent()).toContain('Open');
    await header.getByText('Contoso', { exact: true }).waitFor();
    await header.getByText(FORWARDING).waitFor();
    const mitre = header.getByRole('link', { name: /^T\d{4}/ }).first();
    expect(await mitre.getAttribute('href')).toMatch(/^https:\/\/attack\.mitre\.org\/techniques\/T\d{4}\//);
    expect(await mitre.getAttribute('rel')).toContain('noopener');
    expect(await mitre.getAttribute('rel')).toContain('noreferrer');
    await header.locator('time[title$="UTC"]').first().waitFor();

    const runbook = page.getByRole('region', { name: 'How to react' }).locator('ol > li');
    expect(await runbook.count()).toBeGreaterThanOrEqual(3);
    expect(await runbook.first().textContent()).not.toMatch(/^1\./);

    // Users, inbox rules, IP addresses: each with its details recorded at detection.
    const users = page.getByTestId('section-user');
    await users.getByRole('heading', { name: /Users/ }).waitFor();
    await users.getByText(BEC.victimUpn).first().waitFor();
    await users.getByText('Account', { exact: true }).waitFor();
    await users.getByText('Enabled', { exact: true }).waitFor();
    const rule = page.getByTestId('section-inbox_rule');
    await rule.getByRole('heading', { name: 'The rule in plain words' }).waitFor();
    await rule.getByText(BEC.attackerMailbox).first().waitFor();
    await rule.getByText('Why it was flagged:').waitFor();
    const ip = page.getByTestId('section-ip');
    await ip.getByRole('button', { name: 'Recorded IP' }).waitFor();
    await ip.getByText('ASN').waitFor();

    // Remediation: a button per action of each entity (test/e2e/remediation.test.ts runs one).
    await page.getByText(/Remediation actions run in the customer's Microsoft 365/).waitFor();
    await rule.getByText('Remediation actions for this entity:').waitFor();
    await rule.getByRole('button', { name: 'Disable the inbox rule' }).waitFor();
    await ip.getByText('No remediation action applies to this entity.').waitFor();
    expect(await ip.getByRole('button', { name: /Disable the inbox rule|Block sign-in|Revoke sessions/ }).count()).toBe(0);

    // Related events (the same user within 7 days) link to their pages.
    const related = page.getByRole('region', { name: 'Related events' }).getByRole('link');
    expect(await related.count()).toBeGreaterThan(0);
    expect(await related.first().getAttribute('href')).toMatch(/^\/events\/[0-9a-f-]{36}$/);

    // Raw records: collapsed, pretty-printed as text, copyable.
    const records = page.getByRole('region', { name: /Activity records/ });
    const first = records.locator('details').first();
    expect(await first.locator('pre').isVisible()).toBe(false);
    await first.locator('summary').click();
    expect(await first.locator('pre').textContent()).toContain('"Operation": "New-InboxRule"');
    await first.getByRole('button', { name: 'Copy JSON' }).click();
    await first.getByText('Copied').waitFor();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toContain('"Operation": "New-InboxRule"');

    await page.screenshot({ path: join(SCREENSHOTS, 'event.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
  });

  test('Recorded / Live lookup: a user disabled in the simulator since detection shows as changed', async () => {
    const victim = sim.state.findTenant(CONTOSO.tenantId)!.users.find((u) => u.userPrincipalName === BEC.victimUpn)!;
    await simControl('/graph', 'POST', { users: [{ ...victim, accountEnabled: false }] });

    const users = page.getByTestId('section-user');
    await users.getByRole('button', { name: 'Live lookup' }).click();
    expect(await users.getByRole('button', { name: 'Live lookup' }).getAttribute('aria-pressed')).toBe('true');
    const changed = users.getByTestId('changed-field');
    await changed.first().waitFor();
    expect(await changed.first().textContent()).toMatch(/Account\s*Changed\s*Disabled\s*Recorded: Enabled/);
    await users.getByTestId('changes').waitFor();

    const ip = page.getByTestId('section-ip');
    await ip.getByRole('button', { name: 'Live IP Lookup' }).click();
    await ip.getByTestId('no-changes').waitFor();
    await ip.getByText(/Looked up/).waitFor();
    await ip.getByRole('button', { name: 'Recorded IP' }).click();
    await ip
      .getByText(/^Recorded /)
      .first()
      .waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'event-live.png'), fullPage: true });
    await users.getByRole('button', { name: 'Recorded', exact: true }).click();
    await users.getByText('Enabled', { exact: true }).waitFor();
  });

  test('ignore with a reason shows who and when; unignore puts it back', async () => {
    await page.getByRole('button', { name: 'Ignore…' }).click();
    await page.getByLabel('Reason (optional)').fill('Isabella set this up with IT; ticket 4411');
    await page.getByRole('button', { name: 'Ignore event' }).click();
    await page.getByTestId('status').getByText('Ignored').waitFor();
    const info = page.getByTestId('ignore-info');
    await info.getByText('Reason: Isabella set this up with IT; ticket 4411').waitFor();
    await info.getByText(owner.email).waitFor();
    await info.locator('time').waitFor();
    await page.getByRole('status').getByText('The event is ignored.').waitFor();
    expect((await runtime!.database.db.select().from(securityEvent).where(eq(securityEvent.id, forwarding.id)))[0]!.status).toBe('ignored');

    await page.getByRole('button', { name: 'Unignore' }).click();
    await page.getByTestId('status').getByText('Open').waitFor();
    expect(await page.getByTestId('ignore-info').count()).toBe(0);
    expect((await runtime!.database.db.select().from(securityEvent).where(eq(securityEvent.id, forwarding.id)))[0]!.status).toBe('open');
  });

  test('a whitelist rule from the event: accessible dialog, dry run, reason required, saved and applied', async () => {
    const opener = page.getByRole('button', { name: 'Create whitelist rule from this event' });
    await opener.click();
    const dialog = page.getByRole('dialog', { name: 'Create whitelist rule from this event' });
    await dialog.waitFor();
    expect(await page.evaluate<boolean>("!!document.activeElement?.closest('dialog')")).toBe(true);
    // Tabbing never leaves the dialog.
    for (let i = 0; i < 25; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate<boolean>("!!document.activeElement?.closest('dialog')")).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.evaluate<string>("document.activeElement?.textContent ?? ''")).toBe('Create whitelist rule from this event');

    await opener.click();
    await dialog.waitFor();
    await dialog.getByRole('radiogroup', { name: 'User' }).getByText(BEC.victimUpn).waitFor();
    await dialog.getByRole('radiogroup', { name: 'IP address' }).getByLabel('Any').waitFor();
    expect(await dialog.getByRole('radiogroup', { name: 'IP address' }).getByLabel('Any').isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Save rule' }).click();
    await dialog.getByText('Say why these events are safe to ignore.').waitFor();

    await dialog.getByRole('button', { name: 'Dry run' }).click();
    await dialog
      .getByTestId('dry-run-count')
      .getByText(/It would have ignored 1 event in the last 30 days/)
      .waitFor();
    await dialog.getByRole('link', { name: forwarding.title }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'event-whitelist.png') });

    await dialog.getByLabel('Name (optional)').fill('Isabella forwards to the finance archive');
    await dialog.getByLabel('Reason').fill('Approved by the customer; ticket 4412');
    await dialog.getByRole('button', { name: 'Save rule' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('status').getByText('Whitelist rule "Isabella forwards to the finance archive" saved. Matching open events are ignored.').waitFor();
    await page.getByTestId('status').getByText('Ignored').waitFor();
    await page.getByTestId('ignore-info').getByText('Isabella forwards to the finance archive').waitFor();
    await page.getByTestId('ignore-info').getByText("Rule's reason: Approved by the customer; ticket 4412").waitFor();
    const [rule] = await runtime!.database.db.select().from(whitelistRule).where(eq(whitelistRule.mspId, owner.mspId));
    expect(rule).toMatchObject({ name: 'Isabella forwards to the finance archive', tenantId, reason: 'Approved by the customer; ticket 4412' });
  });

  test('unignore refused with 409 (the detection opened a new event meanwhile) says why', async () => {
    const now = new Date();
    await runtime!.database.db.insert(securityEvent).values({
      mspId: owner.mspId,
      tenantId,
      detectionId: forwarding.detectionId,
      dedupKey: forwarding.dedupKey,
      title: forwarding.title,
      description: forwarding.description,
      severity: forwarding.severity,
      firstSeenAt: now,
      lastSeenAt: now,
    });
    await page.getByRole('button', { name: 'Unignore' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'The event was not unignored' });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/open event/i);
    await page.getByTestId('status').getByText('Ignored').waitFor();
  });

  test('a read-only user sees the event but no ignore or rule buttons', async () => {
    const reader = await addMember(runtime!.database, owner.mspId, 'read_only');
    const readerContext = await browser!.newContext({ baseURL: base });
    try {
      const p = await readerContext.newPage();
      await p.goto(`/events/${forwarding.id}`);
      await signIn(p, reader);
      await p.waitForURL(`${base}/events/${forwarding.id}`);
      await p.getByTestId('section-user').waitFor();
      expect(await p.getByRole('button', { name: /Ignore|Unignore|whitelist rule/ }).count()).toBe(0);
    } finally {
      await readerContext.close();
    }
  });

  test("another MSP's event is the app's 404, exactly like an id that does not exist", async () => {
    const other = await seedMsp(runtime!.database, 'owner', 'Fabrikam MSP');
    const [otherTenant] = await runtime!.database.db
      .insert(tenant)
      .values({
        mspId: other.mspId,
        tenantGuid: '6a1d4b5f-3c2e-4d66-8b54-1e7c8a2b3d4f',
        name: 'Fabrikam private tenant',
        primaryDomain: 'fabrikam.example',
        authMode: 'secret',
        status: 'disabled',
      })
      .returning();
    const now = new Date();
    const [theirs] = await runtime!.database.db
      .insert(securityEvent)
      .values({
        mspId: other.mspId,
        tenantId: otherTenant!.id,
        detectionId: FORWARDING,
        title: 'Fabrikam secret event',
        description: 'Not yours.',
        severity: 'high',
        dedupKey: 'fabrikam',
        firstSeenAt: now,
        lastSeenAt: now,
      })
      .returning();

    const texts: string[] = [];
    for (const id of [theirs!.id, '0f6c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f']) {
      const answer = page.waitForResponse((r) => r.url().endsWith(`/api/v1/events/${id}`));
      await page.goto(`/events/${id}`);
      expect((await answer).status()).toBe(404);
      await page.getByRole('heading', { name: 'Page not found' }).waitFor();
      texts.push(((await page.locator('main').textContent()) ?? '').replace(id, '<id>'));
    }
    expect(texts[0]).toBe(texts[1]);
    expect(texts[0]).not.toContain('Fabrikam');
  });

  test('hostile strings in every field of the event and its entities run nothing and show as written', async () => {
    const db = runtime!.database.db;
    const now = new Date();
    const [rule] = await db
      .insert(whitelistRule)
      .values({ mspId: owner.mspId, name: HOSTILE, expression: "Event.Detection = 'custom.never'", reason: HOSTILE, enabled: false })
      .returning();
    const [event] = await db
      .insert(securityEvent)
      .values({
        mspId: owner.mspId,
        tenantId,
        detectionId: `custom.${HOSTILE}`,
        title: HOSTILE,
        description: HOSTILE,
        howToReact: `1. ${HOSTILE}\n2. javascript:alert(5)`,
        mitre: ['javascript:alert(6)', 'TA0001:T1078'],
        severity: 'critical',
        userName: HOSTILE,
        networkAddress: HOSTILE,
        dedupKey: 'xss',
        firstSeenAt: new Date(now.getTime() - 3_600_000),
        lastSeenAt: now,
        status: 'ignored',
        ignoredAt: now,
        ignoreReason: HOSTILE,
        whitelistRuleId: rule!.id,
      })
      .returning();
    const description = {
      conditions: [{ kind: 'condition', segments: [{ text: 'the subject contains ' }, { value: HOSTILE }] }],
      exceptions: [{ kind: 'exception', segments: [{ text: 'the sender is ' }, { value: HOSTILE }] }],
      actions: [{ kind: 'action', segments: [{ text: 'forward to ' }, { value: HOSTILE }] }],
      sentence: HOSTILE,
    };
    const user = {
      schemaVersion: 1,
      id: HOSTILE,
      userPrincipalName: HOSTILE,
      displayName: HOSTILE,
      mail: HOSTILE,
      status: 'enabled',
      department: HOSTILE,
      jobTitle: HOSTILE,
      country: HOSTILE,
      alternateEmails: [HOSTILE],
      mobilePhone: HOSTILE,
      licenses: [{ skuId: HOSTILE, skuPartNumber: HOSTILE, productName: HOSTILE }],
      roles: [HOSTILE],
      mfa: {
        registered: true,
        capable: true,
        methods: [HOSTILE],
        defaultMethod: HOSTILE,
        systemPreferredMethods: [],
        ssprRegistered: false,
        lastUpdatedDateTime: null,
      },
      riskLevel: HOSTILE,
      missing: [{ part: HOSTILE, reason: 'error', message: HOSTILE }],
    };
    const snapshots: Record<string, Record<string, unknown>> = {
      user,
      mailbox: user,
      app: {
        schemaVersion: 1,
        appId: HOSTILE,
        displayName: HOSTILE,
        description: HOSTILE,
        publisher: HOSTILE,
        verifiedPublisherName: HOSTILE,
        homepage: 'javascript:alert(7)',
        replyUrls: ['javascript:alert(8)', HOSTILE],
        applicationPermissions: [{ name: HOSTILE, resource: HOSTILE, description: HOSTILE, risk: 'critical' }],
        delegatedPermissions: [{ name: HOSTILE, resource: HOSTILE, description: HOSTILE, risk: HOSTILE }],
      },
      inbox_rule: { schemaVersion: 1, name: HOSTILE, mailbox: HOSTILE, status: 'enabled', forwardsTo: [HOSTILE], flaggedReason: HOSTILE, description },
      mail_flow_rule: {
        schemaVersion: 1,
        name: HOSTILE,
        status: 'enabled',
        mode: HOSTILE,
        comments: HOSTILE,
        exchangeDescription: HOSTILE,
        copiesTo: [HOSTILE],
        flaggedReason: HOSTILE,
        description,
      },
      link: {
        schemaVersion: 1,
        name: HOSTILE,
        itemType: 'file',
        status: 'active',
        access: 'edit',
        expiration: null,
        site: HOSTILE,
        path: HOSTILE,
        webUrl: 'javascript:alert(9)',
        createdBy: HOSTILE,
        anonymousLinks: [{ permissionId: HOSTILE, access: 'edit', linkType: HOSTILE, expirationDateTime: null, hasPassword: false, preventsDownload: false }],
      },
      ip: {
        schemaVersion: 1,
        ip: HOSTILE,
        range: 'public',
        location: { countryName: HOSTILE, countryCode: 'NL', city: HOSTILE, region: HOSTILE },
        network: { isp: HOSTILE, organization: HOSTILE, asNumber: 666, asOrganization: HOSTILE },
        usage: { type: HOSTILE },
        anonymizer: { isAnonymous: true, proxyTypes: [HOSTILE], providerName: HOSTILE, threats: [HOSTILE] },
      },
    };
    await db.insert(eventEntity).values([
      ...Object.entries(snapshots).map(([kind, snapshot]) => ({
        eventId: event!.id,
        mspId: owner.mspId,
        kind: kind as 'user',
        key: kind === 'link' ? 'javascript:alert(10)' : HOSTILE,
        remediations: [HOSTILE, 'block-sign-in'],
        snapshotStatus: 'recorded' as const,
        snapshot,
        recordedAt: now,
        attempts: 1,
      })),
      {
        eventId: event!.id,
        mspId: owner.mspId,
        kind: 'user',
        key: `${HOSTILE} (gone)`,
        snapshotStatus: 'unavailable',
        unavailableReason: `entity-deleted: ${HOSTILE}`,
        recordedAt: now,
        attempts: 1,
      },
    ]);
    const [record] = await db
      .insert(activity)
      .values({
        mspId: owner.mspId,
        tenantId,
        source: 'Audit.Exchange',
        recordId: 'xss-1',
        occurredAt: now,
        workload: HOSTILE,
        operation: HOSTILE,
        actorUpn: HOSTILE,
        clientIp: HOSTILE,
        userAgent: HOSTILE,
        result: HOSTILE,
        target: HOSTILE,
        raw: { Operation: HOSTILE, UserAgent: HOSTILE, Parameters: [{ Name: 'ForwardTo', Value: HOSTILE }] },
      })
      .returning();
    await db.insert(eventActivity).values({ eventId: event!.id, activityId: record!.id });

    await page.goto(`/events/${event!.id}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(HOSTILE);
    expect(await page.getByTestId('entity').count()).toBe(8);
    await page.getByText(`Details not available. ${HOSTILE}`).waitFor();
    await page.getByTestId('ignore-info').getByText(HOSTILE).first().waitFor();
    for (const details of await page.locator('details').all()) await details.locator('summary').click();
    await page
      .locator('pre')
      .getByText(`"UserAgent": ${JSON.stringify(HOSTILE)}`)
      .waitFor();
    await page.getByRole('button', { name: 'Create whitelist rule from this event' }).click();
    await page.getByRole('dialog').getByRole('radiogroup', { name: 'User' }).getByText(HOSTILE).waitFor();
    await page.keyboard.press('Escape');

    // Shown literally, everywhere: every hostile field appears as its own text.
    const main = (await page.locator('main').textContent()) ?? '';
    expect(main.split(HOSTILE).length - 1).toBeGreaterThan(60);
    // Nothing became markup or a link.
    expect(await page.locator('main img, main script, main svg[onload], main iframe').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'javascript:alert(6)' }).count()).toBe(0);
    expect(watch.dialogs).toEqual([]);
    expect(await watch.cspViolations()).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'event-hostile.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
  });

  test('no console errors, dialogs or CSP violations along the way', async () => {
    expect(watch.problems).toEqual([]);
    expect(watch.dialogs).toEqual([]);
    expect(await watch.cspViolations()).toEqual([]);
  });
});
