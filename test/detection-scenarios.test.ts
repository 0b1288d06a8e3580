import { readFileSync } from 'node:fs';
import { asc, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { activity, detectionProcessed, detectionSettings, eventEntity, securityEvent, tenant } from '../db/schema/index.ts';
import { createIpIntel, type IpIntelService } from '../enrichment/ip/index.ts';
import { collectTenant, type CollectorDeps } from '../services/collector/collect-tenant.ts';
import { createTokenProvider } from '../services/microsoft/token-provider.ts';
import { detectActivity } from '../services/detection/engine.ts';
import { createLogger } from '../services/log.ts';
import { startM365Simulator, type M365Simulator, type TenantScenario } from '../services/sim/m365/index.ts';
import {
  ADMIN_ABUSE,
  adminAbuseScenario,
  ATTACKER_PERSISTENCE,
  attackerPersistenceScenario,
  baselineScenario,
  BEC,
  becScenario,
  collectorConsent,
  SMALL_TENANT_SPRAY,
  smallTenantSprayScenario,
} from '../services/sim/m365/scenarios/index.ts';
import { COLLECTOR_APP_ID, collectorApp } from './helpers/m365-sim.ts';
import { simulatorTls } from '../services/sim/m365/tls.ts';
import { secrets } from './helpers/app.ts';
import { createTestDatabase } from './helpers/database.ts';
import { insertSimTenant, simConfig } from './helpers/sim-tenant.ts';

/**
 * The simulator's stories, collected by the real collector and run through the detection
 * engine, in batches of at most 1,000 activities as the queue sends them. IP intelligence is
 * what a default install has: the free ip-location-db data (country and AS, no anonymity flags).
 */
let handle: Awaited<ReturnType<typeof createTestDatabase>>;
let ipIntel: IpIntelService;
const sims: M365Simulator[] = [];
const log = createLogger({ logLevel: 'silent' });

beforeAll(async () => {
  handle = await createTestDatabase();
  ipIntel = createIpIntel();
});
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
  await ipIntel.close();
  await handle.drop();
});

/** Collects a scenario for a new MSP and tenant (with its detection settings), then detects over everything collected. */
async function collectAndDetect(scenario: TenantScenario, settings?: Record<string, unknown>) {
  const sim = await startM365Simulator({
    tls: simulatorTls(),
    clock: { start: '2024-05-08T06:00:00Z', frozen: true },
    apps: [collectorApp()],
    tenants: [scenario],
  });
  sims.push(sim);
  const db = handle.database.db;
  const t = await insertSimTenant(db, scenario.tenantId);
  if (settings) await db.insert(detectionSettings).values({ mspId: t.mspId, tenantId: t.id, settings });
  const config = simConfig(sim.url);
  const deps: CollectorDeps = { db, config, tokens: createTokenProvider(config, secrets), log, now: () => new Date(sim.state.now()), timeoutMs: 10_000 };
  const results = await collectTenant(deps, t.id);
  expect(results.filter((r) => r.status === 'failed')).toEqual([]);
  const ids = (await db.select({ id: activity.id }).from(activity).where(eq(activity.tenantId, t.id)).orderBy(asc(activity.ingestedAt))).map((r) => r.id);
  for (let i = 0; i < ids.length; i += 1000) await detectActivity({ db, log, ipIntel }, ids.slice(i, i + 1000));
  const events = await db.select().from(securityEvent).where(eq(securityEvent.tenantId, t.id));
  return { tenantId: t.id, activityIds: ids, events };
}

type Expectations = {
  raise: { id: string; suggestedRule: string; severity: string; mitre: string }[];
  doNotRaise: { id: string }[];
};

function readExpectations(name: string): Expectations {
  return JSON.parse(readFileSync(new URL(`../services/sim/m365/scenarios/${name}.expectations.json`, import.meta.url), 'utf8')) as Expectations;
}

type Events = Awaited<ReturnType<typeof collectAndDetect>>['events'];

/** The raised events are exactly the expected ones: rule, primary entity (dedup key), severity, and each carries its MITRE technique. */
function expectExactly(events: Events, expectations: Expectations, expected: Record<string, { rule: string; key: string }>): void {
  expect(Object.keys(expected).sort()).toEqual(expectations.raise.map((r) => r.id).sort());
  const want = expectations.raise.map((r) => ({ rule: expected[r.id]!.rule, key: expected[r.id]!.key, severity: r.severity }));
  const raised = events.map((e) => ({ rule: e.detectionId, key: e.dedupKey, severity: e.severity }));
  const order = (a: { rule: string; key: string }, b: { rule: string; key: string }) => `${a.rule} ${a.key}`.localeCompare(`${b.rule} ${b.key}`);
  expect(raised.sort(order)).toEqual(want.sort(order));
  for (const r of expectations.raise) {
    const event = events.find((e) => e.detectionId === expected[r.id]!.rule)!;
    expect(event.mitre, r.id).toContain(r.mitre);
  }
}

/**
 * Where our rule ids differ from the expectation file's suggestions, and the primary entity
 * each expected event is about (the file names the story, not the entity).
 * - The VPN sign-in raises two events about the victim: AnonymizedIpSignIn (the sign-in itself,
 *   through an anonymiser; the spray's "MFA required" from the droplet joins it) and
 *   IdentityProtectionRisk (Entra's risk detections, risky-user state and alert, one per user).
 * - RiskyOAuthConsent: our name is RiskyAppConsent (the rule also covers application permissions).
 * - MailFlowRuleBccExternal: one mail-flow rule detection covers BCC, copy, redirect, SCL -1, delete.
 */
const EXPECTED: Record<string, { rule: string; key: string }> = {
  'password-spray': { rule: 'M365.AzureAD.PasswordSpray', key: BEC.sprayIp },
  'valid-password-during-spray': { rule: 'M365.AzureAD.SprayValidPassword', key: BEC.victimUpn },
  'sign-in-from-vpn-abroad': { rule: 'M365.AzureAD.AnonymizedIpSignIn', key: BEC.victimUpn },
  'identity-protection-risk': { rule: 'M365.AzureAD.IdentityProtectionRisk', key: BEC.victimUpn },
  'inbox-rule-forward-and-delete': { rule: 'M365.Exchange.InboxRuleExternalForwarding', key: BEC.victimUpn },
  'oauth-consent-unverified-app': { rule: 'M365.AzureAD.RiskyAppConsent', key: BEC.consentApp.appId },
  'anonymous-link-finance-folder': { rule: 'M365.SharePoint.AnonymousLinkCreated', key: `${BEC.financeSite}/${BEC.financeFolder}` },
  'mailbox-forwarding-external': { rule: 'M365.Exchange.ExternalForwarding', key: BEC.victimUpn },
  'transport-rule-bcc-external': { rule: 'M365.Exchange.SuspiciousMailFlowRule', key: BEC.transportRuleName },
};

describe('bec', () => {
  let result: Awaited<ReturnType<typeof collectAndDetect>>;
  const expectations = readExpectations('bec');

  beforeAll(async () => {
    result = await collectAndDetect(becScenario({ consents: [collectorConsent(COLLECTOR_APP_ID)] }));
  }, 120_000);

  test('raises exactly the expected events: rule, primary entity, severity, MITRE technique', () => {
    expectExactly(result.events, expectations, EXPECTED);
  });

  test('events carry the filter vocabulary, the runbook and entities with remediations', async () => {
    const db = handle.database.db;
    const spray = result.events.find((e) => e.detectionId === 'M365.AzureAD.PasswordSpray')!;
    expect(spray).toMatchObject({
      eventType: 'LoginAttempt',
      operationResult: 'PasswordInvalid',
      networkAddress: BEC.sprayIp,
      workload: 'AzureActiveDirectory',
    });
    // 24 accounts, each seen in Graph and in the audit log, counted once per sign-in.
    expect(spray.count).toBe(BEC.sprayTargets - 1);
    expect(spray.description).toContain(`${BEC.sprayTargets - 1} different accounts`);

    const forwarding = result.events.find((e) => e.detectionId === 'M365.Exchange.InboxRuleExternalForwarding')!;
    expect(forwarding).toMatchObject({
      eventType: 'InboxRuleCreated',
      operationResult: 'Success',
      userName: BEC.victimUpn,
      networkAddress: BEC.vpnIp,
      operation: 'New-InboxRule',
      count: 1,
    });
    expect(forwarding.fields).toMatchObject({ userSource: 'EntraID', target: BEC.inboxRuleName });
    expect(forwarding.howToReact).toMatch(/^1\. /);
    const entities = await db.select().from(eventEntity).where(eq(eventEntity.eventId, forwarding.id));
    expect(
      entities.map((e) => ({ kind: e.kind, isPrimary: e.isPrimary, snapshotStatus: e.snapshotStatus })).sort((a, b) => a.kind.localeCompare(b.kind)),
    ).toEqual([
      { kind: 'inbox_rule', isPrimary: true, snapshotStatus: 'pending' },
      { kind: 'ip', isPrimary: true, snapshotStatus: 'pending' },
      { kind: 'user', isPrimary: true, snapshotStatus: 'pending' },
    ]);
    expect(entities.find((e) => e.kind === 'inbox_rule')!.remediations).toEqual(['disable-inbox-rule', 'delete-inbox-rule']);
    expect(entities.find((e) => e.kind === 'user')!.remediations).toContain('revoke-sessions');

    // The VPN sign-in (Graph and audit log: one occurrence) and the spray's MFA prompt from the droplet.
    const anonymized = result.events.find((e) => e.detectionId === 'M365.AzureAD.AnonymizedIpSignIn')!;
    expect(anonymized).toMatchObject({ eventType: 'LoginAttempt', count: 2, userName: BEC.victimUpn });
    // The latest finding describes the event: the VPN sign-in after the spray.
    expect(anonymized.description).toMatch(new RegExp(`signed in through an anonymising VPN.*: ${BEC.vpnIp.replace(/\./g, '\\.')} `));

    // The consent reached us from directoryAudits and the audit log: one occurrence, two activities.
    const consent = result.events.find((e) => e.detectionId === 'M365.AzureAD.RiskyAppConsent')!;
    expect(consent.count).toBe(1);
    expect(consent.eventType).toBe('AppConsent');
  });

  test('running detection again over the same activity changes nothing', async () => {
    const db = handle.database.db;
    const again = await detectActivity({ db, ipIntel }, result.activityIds);
    expect(again).toMatchObject({ processed: 0, skipped: result.activityIds.length, eventsCreated: 0, eventsUpdated: 0 });
    const events = await db.select({ id: securityEvent.id, count: securityEvent.count }).from(securityEvent).where(eq(securityEvent.tenantId, result.tenantId));
    expect(events.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      result.events.map((e) => ({ id: e.id, count: e.count })).sort((a, b) => a.id.localeCompare(b.id)),
    );
  });
});

/**
 * The admin-abuse story. Break-glass accounts are a detection setting (nothing in Microsoft's
 * records marks one), so the tenant is configured with the scenario's emergency-access account.
 * Primary entities: the backdoor account for the MFA change and the role grant (dedup key
 * `upn|role template id`), the break-glass account for the reset and the sign-in, and the
 * audit-configuration object (`cmdlet|Identity`, no Identity here) for audit logging, the admin
 * for the sign-in from the droplet (the break-glass sign-in from it is the break-glass event:
 * the more specific detection of the same sign-in wins).
 */
const ADMIN_ABUSE_EXPECTED: Record<string, { rule: string; key: string }> = {
  'mfa-disabled-backdoor': { rule: 'M365.AzureAD.MfaDisabled', key: ADMIN_ABUSE.backdoorUpn },
  'global-admin-granted': { rule: 'M365.AzureAD.PrivilegedRoleAssigned', key: `${ADMIN_ABUSE.backdoorUpn}|62e90394-69f5-4237-9190-012177145e10` },
  'break-glass-password-reset': { rule: 'M365.AzureAD.AdminPasswordReset', key: ADMIN_ABUSE.breakGlassUpn },
  'break-glass-sign-in': { rule: 'M365.AzureAD.BreakGlassSignIn', key: ADMIN_ABUSE.breakGlassUpn },
  'unified-audit-log-disabled': { rule: 'M365.Exchange.AuditLoggingDisabled', key: 'Set-AdminAuditLogConfig|' },
  'admin-sign-in-from-hosting': { rule: 'M365.AzureAD.AnonymizedIpSignIn', key: ADMIN_ABUSE.adminUpn },
};

describe('admin-abuse', () => {
  let result: Awaited<ReturnType<typeof collectAndDetect>>;
  const expectations = readExpectations('admin-abuse');

  beforeAll(async () => {
    result = await collectAndDetect(adminAbuseScenario({ consents: [collectorConsent(COLLECTOR_APP_ID)] }), {
      breakGlassAccounts: [ADMIN_ABUSE.breakGlassUpn],
    });
  }, 120_000);

  test('raises exactly the expected events: rule, primary entity, severity, MITRE technique', () => {
    expectExactly(result.events, expectations, ADMIN_ABUSE_EXPECTED);
  });
});

describe('small-tenant-spray', () => {
  const expectations = readExpectations('small-tenant-spray');
  const scenario = smallTenantSprayScenario({ consents: [collectorConsent(COLLECTOR_APP_ID)] });
  let result: Awaited<ReturnType<typeof collectAndDetect>>;

  beforeAll(async () => {
    result = await collectAndDetect(scenario);
  }, 120_000);

  test("the collector stored the directory's user count", async () => {
    const [row] = await handle.database.db.select({ userCount: tenant.userCount }).from(tenant).where(eq(tenant.id, result.tenantId));
    expect(row!.userCount).toBe(SMALL_TENANT_SPRAY.users);
  });

  /** The spray of every account of a nine-user tenant, scaled to its size; the tool is named. */
  test('raises exactly the expected events: rule, primary entity, severity, MITRE technique', () => {
    expectExactly(result.events, expectations, {
      'password-spray-small-tenant': { rule: 'M365.AzureAD.PasswordSpray', key: SMALL_TENANT_SPRAY.sprayIp },
      'valid-password-during-spray': { rule: 'M365.AzureAD.SprayValidPassword', key: scenario.victimUpn },
      'password-accepted-from-hosting': { rule: 'M365.AzureAD.AnonymizedIpSignIn', key: scenario.victimUpn },
    });
    const spray = result.events.find((e) => e.detectionId === 'M365.AzureAD.PasswordSpray')!;
    expect(spray.fields).toMatchObject({ attackTool: 'Python requests script' });
  });
});

describe('attacker-persistence', () => {
  const expectations = readExpectations('attacker-persistence');
  let result: Awaited<ReturnType<typeof collectAndDetect>>;

  beforeAll(async () => {
    result = await collectAndDetect(attackerPersistenceScenario({ consents: [collectorConsent(COLLECTOR_APP_ID)] }));
  }, 120_000);

  test('raises exactly the expected events: rule, primary entity, severity, MITRE technique', () => {
    const A = ATTACKER_PERSISTENCE;
    expectExactly(result.events, expectations, {
      'admin-sign-in-from-hosting': { rule: 'M365.AzureAD.AnonymizedIpSignIn', key: A.adminUpn },
      'app-registered-export-tool': { rule: 'M365.AzureAD.AppRegistered', key: A.appId },
      'application-impersonation-granted': { rule: 'M365.Exchange.ApplicationImpersonationGranted', key: A.impersonator },
      'audit-retention-lowered': { rule: 'M365.Exchange.AuditRetentionLowered', key: A.victimUpn },
      'imap-pop-enabled': { rule: 'M365.Exchange.LegacyProtocolEnabled', key: A.victimUpn },
      'mfa-methods-removed': { rule: 'M365.AzureAD.MfaDisabled', key: A.victimUpn },
      'finance-folder-shared-outside': { rule: 'M365.SharePoint.ExternalSharing', key: `${A.financeSite}/${A.financeFolder}|${A.outsideAddress}` },
    });
  });
});

/**
 * False-positive budget (services/detection/README.md): an ordinary day of 300 users raises no
 * high or critical event, and at most 3 events in all.
 */
test('baseline: an ordinary day raises no high or critical event', async () => {
  const { events, activityIds } = await collectAndDetect({ ...baselineScenario({ consents: [collectorConsent(COLLECTOR_APP_ID)] }), seed: 'baseline' });
  // The day was collected (sign-ins in both feeds, mail, files, benign inbox rules, resets) and detected.
  expect(activityIds.length).toBeGreaterThan(3000);
  const processed = await handle.database.db
    .select({ id: detectionProcessed.activityId })
    .from(detectionProcessed)
    .where(inArray(detectionProcessed.activityId, activityIds.slice(0, 1000)));
  expect(processed).toHaveLength(1000);
  const describe = (e: (typeof events)[number]) => `${e.detectionId} ${e.severity}: ${e.description}`;
  expect(events.filter((e) => e.severity === 'high' || e.severity === 'critical').map(describe)).toEqual([]);
  expect(events.length, events.map(describe).join('\n')).toBeLessThanOrEqual(3);
}, 120_000);
