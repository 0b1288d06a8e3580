import becExpectations from '../services/sim/m365/scenarios/bec.expectations.json' with { type: 'json' };
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { activity, eventEntity, securityEvent, whitelistRule } from '../db/schema/index.ts';
import { createIpIntel } from '../enrichment/ip/index.ts';
import { judgeConsentPublisher, UNVERIFIED_PUBLISHER_REASON } from '../enrichment/consent-publisher.ts';
import type { JsonObject } from '../enrichment/entities/types.ts';
import { IP_SCHEMA_VERSION } from '../enrichment/ip-entity.ts';
import { createConfiguredEntityLookup, createEntityLookup, type EntityLookup } from '../enrichment/lookup.ts';
import { ENRICH_MAX_ATTEMPTS, enrichEvent, staleEnrichments } from '../enrichment/stage.ts';
import { createNodeApp } from '../services/api/node.ts';
import { collectTenant } from '../services/collector/collect-tenant.ts';
import { createTokenProvider } from '../services/microsoft/token-provider.ts';
import { detectActivity } from '../services/detection/engine.ts';
import { createLogger } from '../services/log.ts';
import { startM365Simulator, type M365Simulator } from '../services/sim/m365/index.ts';
import { BEC, becScenario, collectorConsent, CONTOSO } from '../services/sim/m365/scenarios/index.ts';
import { COLLECTOR_APP_ID, collectorApp } from './helpers/m365-sim.ts';
import { simulatorTls } from '../services/sim/m365/tls.ts';
import { PIPELINE_JOBS, sendForEnrichment } from '../services/worker/pipeline-jobs.ts';
import { ensureQueues, startQueue, startWorkers, stopQueue, type PgBoss } from '../services/worker/queue.ts';
import { addMember, call, secrets, seedMsp } from './helpers/app.ts';
import { createTestDatabase } from './helpers/database.ts';
import { insertSimTenant, simConfig } from './helpers/sim-tenant.ts';

/**
 * The enrichment stage and the live lookup against the Microsoft 365 simulator over HTTPS: the
 * bec story collected and detected for real, then every event's entities looked up through the
 * tenant's own access, with the simulator's faults and changes driving the hard cases.
 */
let handle: Awaited<ReturnType<typeof createTestDatabase>>;
let sim: M365Simulator;
let lookup: EntityLookup;
let mspId: string;
let events: (typeof securityEvent.$inferSelect)[];
const log = createLogger({ logLevel: 'silent' });
const config = () => simConfig(sim.url, { TW_LOG_LEVEL: 'silent' });
const ipIntel = createIpIntel({});
const FORWARDING = 'M365.Exchange.InboxRuleExternalForwarding';

async function collect(tenantId: string): Promise<string[]> {
  const db = handle.database.db;
  const results = await collectTenant(
    { db, config: config(), tokens: createTokenProvider(config(), secrets), log, now: () => new Date(sim.state.now()), timeoutMs: 10_000 },
    tenantId,
  );
  expect(results.filter((r) => r.status === 'failed')).toEqual([]);
  return (await db.select({ id: activity.id }).from(activity).where(eq(activity.tenantId, tenantId)).orderBy(asc(activity.ingestedAt))).map((r) => r.id);
}

async function control(path: string, method: string, body: unknown): Promise<void> {
  const res = await fetch(`${sim.url}/_sim/tenants/${CONTOSO.tenantId}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.ok, `${method} ${path}: ${res.status}`).toBe(true);
}

const entitiesOf = (eventIds: string[]) =>
  handle.database.db.select().from(eventEntity).where(inArray(eventEntity.eventId, eventIds)).orderBy(asc(eventEntity.id));
const eventOf = (rule: string) => events.find((e) => e.detectionId === rule)!;

beforeAll(async () => {
  handle = await createTestDatabase();
  sim = await startM365Simulator({
    tls: simulatorTls(),
    clock: { start: '2024-05-08T06:00:00Z', frozen: true },
    apps: [collectorApp()],
    tenants: [becScenario({ consents: [collectorConsent(COLLECTOR_APP_ID)], users: 30 })],
  });
  const t = await insertSimTenant(handle.database.db, CONTOSO.tenantId);
  mspId = t.mspId;
  const ids = await collect(t.id);
  for (let i = 0; i < ids.length; i += 1000) await detectActivity({ db: handle.database.db, log, ipIntel }, ids.slice(i, i + 1000));
  events = await handle.database.db.select().from(securityEvent).where(eq(securityEvent.tenantId, t.id));
  // The bec day raises exactly the events its expectations file lists (test/detection-scenarios.test.ts).
  expect(events.length).toBe(becExpectations.raise.length);
  lookup = createEntityLookup({ graphUrl: sim.url, exchangeUrl: sim.url, tokens: createTokenProvider(config(), secrets), ipIntel });
}, 120_000);

afterAll(async () => {
  await sim?.close();
  await ipIntel.close();
  await handle?.drop();
});

describe('the enrichment stage', () => {
  test('a transient failure is retried and then succeeds; one that keeps failing ends unavailable with its reason', async () => {
    const forwarding = eventOf(FORWARDING);
    await control('/faults', 'PUT', {
      rules: [
        { kind: 'server-error', status: 500, apis: ['graph'], pathIncludes: '/mailFolders/inbox/messageRules' },
        { kind: 'server-error', status: 500, apis: ['graph'], pathIncludes: `/users/${BEC.victimUpn}`, remaining: 1 },
      ],
    });
    try {
      const state = async () =>
        Object.fromEntries((await entitiesOf([forwarding.id])).map((e) => [e.kind, { status: e.snapshotStatus, attempts: e.attempts }]));
      expect(await enrichEvent({ db: handle.database.db, lookup }, forwarding.id)).toEqual({
        recorded: 1,
        unavailable: 0,
        pending: 2,
        retryInSeconds: 30,
        deferred: false,
      });
      expect(await state()).toEqual({
        inbox_rule: { status: 'pending', attempts: 1 },
        user: { status: 'pending', attempts: 1 },
        ip: { status: 'recorded', attempts: 1 },
      });

      // The user's failure was passing: recorded on the second attempt. The rule's keeps failing.
      expect(await enrichEvent({ db: handle.database.db, lookup }, forwarding.id)).toEqual({
        recorded: 1,
        unavailable: 0,
        pending: 1,
        retryInSeconds: 120,
        deferred: false,
      });
      expect((await state()).user).toEqual({ status: 'recorded', attempts: 2 });
      for (let attempt = 3; attempt < ENRICH_MAX_ATTEMPTS; attempt++) {
        expect(await enrichEvent({ db: handle.database.db, lookup }, forwarding.id)).toMatchObject({ pending: 1, retryInSeconds: 30 * 4 ** (attempt - 1) });
      }
      expect(await enrichEvent({ db: handle.database.db, lookup }, forwarding.id)).toEqual({
        recorded: 0,
        unavailable: 1,
        pending: 0,
        retryInSeconds: null,
        deferred: false,
      });
      const rule = (await entitiesOf([forwarding.id])).find((e) => e.kind === 'inbox_rule')!;
      expect(rule).toMatchObject({ snapshotStatus: 'unavailable', snapshot: null, attempts: ENRICH_MAX_ATTEMPTS });
      expect(rule.unavailableReason).toBe(`error: Microsoft Graph had a server error (500). (gave up after ${ENRICH_MAX_ATTEMPTS} attempts)`);
      expect(rule.recordedAt).toBeInstanceOf(Date);
    } finally {
      await control('/faults', 'PUT', { rules: [] });
    }
  });

  test('a user deleted since detection is recorded as deleted, at once', async () => {
    const spray = eventOf('M365.AzureAD.PasswordSpray');
    const target = (await entitiesOf([spray.id])).find((e) => e.kind === 'user' && !e.isPrimary)!;
    const tenant = sim.state.findTenant(CONTOSO.tenantId)!;
    const index = tenant.users.findIndex((u) => u.userPrincipalName.toLowerCase() === target.key);
    const [gone] = tenant.users.splice(index, 1);
    tenant.directory.deletedUsers.push({ ...gone!, deletedDateTime: '2024-05-07T18:00:00Z' });

    const outcome = await enrichEvent({ db: handle.database.db, lookup }, spray.id);
    expect(outcome).toMatchObject({ unavailable: 1, pending: 0 });
    const row = (await entitiesOf([spray.id])).find((e) => e.id === target.id)!;
    expect(row).toMatchObject({ snapshotStatus: 'unavailable', attempts: 1, unavailableReason: 'entity-deleted: The user no longer exists in the tenant.' });
  });

  test('a missing permission is recorded at once, naming the permission', async () => {
    const consentEvent = eventOf('M365.AzureAD.RiskyAppConsent');
    const consent = [...sim.state.findTenant(CONTOSO.tenantId)!.consents.values()][0]!;
    const saved = consent.roles.graph;
    // The admin took Directory.Read.All back; a new sign-in carries the new roles.
    consent.roles.graph = (saved ?? []).filter((r) => r !== 'Directory.Read.All');
    try {
      const fresh = createEntityLookup({ graphUrl: sim.url, exchangeUrl: sim.url, tokens: createTokenProvider(config(), secrets), ipIntel });
      expect(await enrichEvent({ db: handle.database.db, lookup: fresh }, consentEvent.id)).toMatchObject({ pending: 0 });
    } finally {
      consent.roles.graph = saved;
    }
    const app = (await entitiesOf([consentEvent.id])).find((e) => e.kind === 'app')!;
    expect(app).toMatchObject({
      snapshotStatus: 'unavailable',
      attempts: 1,
      unavailableReason: 'permission-missing: The app lacks Application.Read.All; grant it and give admin consent.',
    });
  });

  test('every entity of every event ends recorded or unavailable with a reason', async () => {
    for (const e of events) await enrichEvent({ db: handle.database.db, lookup }, e.id);
    const all = await entitiesOf(events.map((e) => e.id));
    expect(all.length).toBeGreaterThan(30);
    expect(all.filter((e) => e.snapshotStatus === 'pending')).toEqual([]);
    for (const e of all) {
      if (e.snapshotStatus === 'recorded') expect(e.snapshot, `${e.kind} ${e.key}`).toMatchObject({ schemaVersion: e.kind === 'ip' ? IP_SCHEMA_VERSION : 1 });
      else expect(e.unavailableReason, `${e.kind} ${e.key}`).toMatch(/^(entity-deleted|permission-missing|no-data|error): \S/);
      expect(e.recordedAt).toBeInstanceOf(Date);
    }
    // Three final answers (the rule that kept failing, the deleted user, the app without permission); the rest recorded.
    expect(
      all
        .filter((e) => e.snapshotStatus === 'unavailable')
        .map((e) => e.kind)
        .sort(),
    ).toEqual(['app', 'inbox_rule', 'user']);
    const byKind = (kind: string) => all.find((e) => e.kind === kind && e.snapshotStatus === 'recorded')?.snapshot as Record<string, unknown> | undefined;
    expect(all.find((e) => e.kind === 'user' && e.key === BEC.victimUpn)?.snapshot).toMatchObject({ status: 'enabled', userPrincipalName: BEC.victimUpn });
    expect(byKind('mail_flow_rule')).toMatchObject({ name: BEC.transportRuleName, status: 'enabled' });
    expect(byKind('link')).toMatchObject({ status: 'active', access: 'view' });
    // The mailbox is read as its owner's account.
    expect(byKind('mailbox')).toMatchObject({ userPrincipalName: BEC.victimUpn });
    expect(byKind('ip')).toMatchObject({ range: 'public', network: { asOrganization: expect.any(String) } });
    expect(await staleEnrichments(handle.database.db, 0)).toEqual([]);
  });

  test('snapshots never change afterwards: a second run after the tenant changed writes nothing', async () => {
    const before = await entitiesOf(events.map((e) => e.id));
    const victim = sim.state.findTenant(CONTOSO.tenantId)!.users.find((u) => u.userPrincipalName === BEC.victimUpn)!;
    await control('/graph', 'POST', { users: [{ ...victim, accountEnabled: false }] });
    for (const e of events)
      expect(await enrichEvent({ db: handle.database.db, lookup }, e.id)).toEqual({
        recorded: 0,
        unavailable: 0,
        pending: 0,
        retryInSeconds: null,
        deferred: false,
      });
    expect(await entitiesOf(events.map((e) => e.id))).toEqual(before);
  });
});

describe('the live lookup: GET /api/v1/events/{id}/entities', () => {
  let app: ReturnType<typeof createNodeApp>;
  let reader: Awaited<ReturnType<typeof addMember>>;
  type Body = {
    items: {
      kind: string;
      key: string;
      recorded: { status: string; snapshot: Record<string, unknown> | null; reason: { code: string; message: string } | null };
      live?: { status: string; snapshot: Record<string, unknown> | null; cached: boolean };
      changed?: string[];
    }[];
  };

  beforeAll(async () => {
    // Five live lookups per tenant a minute, so the limit is reached within the test.
    const appConfig = simConfig(sim.url, { TW_LOG_LEVEL: 'silent', TW_LIVE_LOOKUPS_PER_MINUTE: '5' });
    app = createNodeApp({
      config: appConfig,
      database: handle.database,
      secrets,
      log,
      metrics: new Registry(),
      tokens: createTokenProvider(appConfig, secrets),
      ipIntel,
    });
    reader = await addMember(handle.database, mspId, 'read_only');
  });

  test('answers the recorded snapshots with their reasons, without asking Microsoft', async () => {
    const res = await call(app, 'GET', `/api/v1/events/${eventOf(FORWARDING).id}/entities`, { token: reader.token });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Body;
    expect(body.items.map((i) => i.kind).sort()).toEqual(['inbox_rule', 'ip', 'user']);
    const rule = body.items.find((i) => i.kind === 'inbox_rule')!;
    expect(rule.recorded).toMatchObject({
      status: 'unavailable',
      snapshot: null,
      reason: { code: 'error', message: expect.stringMatching(/gave up after 5 attempts/) },
    });
    expect(rule.live).toBeUndefined();
    expect(body.items.find((i) => i.kind === 'user')!.recorded).toMatchObject({ status: 'recorded', reason: null, snapshot: { status: 'enabled' } });
  });

  test('with live=true marks what changed since detection, and reuses the answer for a minute', async () => {
    // The victim was disabled after detection (previous describe).
    const consentEvent = eventOf('M365.AzureAD.RiskyAppConsent');
    const res = await call(app, 'GET', `/api/v1/events/${consentEvent.id}/entities?live=true`, { token: reader.token });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Body;
    const user = body.items.find((i) => i.kind === 'user')!;
    expect(user.live).toMatchObject({ status: 'available', snapshot: { status: 'disabled' }, cached: false });
    expect(user.changed).toEqual(['status']);
    expect(body.items.find((i) => i.kind === 'ip')!.changed).toEqual([]);
    // Recorded without permission, readable now: nothing to compare, but the details are there.
    const appEntity = body.items.find((i) => i.kind === 'app')!;
    expect(appEntity.recorded.reason?.code).toBe('permission-missing');
    expect(appEntity).toMatchObject({ live: { status: 'available' }, changed: [] });

    const again = (await (await call(app, 'GET', `/api/v1/events/${consentEvent.id}/entities?live=1`, { token: reader.token })).json()) as Body;
    expect(again.items.find((i) => i.kind === 'user')!.live).toMatchObject({ cached: true });
  });

  test('is rate-limited per tenant: 429 with Retry-After in the common error shape', async () => {
    const spray = eventOf('M365.AzureAD.PasswordSpray');
    const res = await call(app, 'GET', `/api/v1/events/${spray.id}/entities?live=true`, { token: reader.token });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res.json()).toMatchObject({
      error: { code: 'rate_limited', message: expect.stringMatching(/Too many live lookups/), requestId: expect.any(String) },
    });
    // The recorded details stay available.
    expect((await call(app, 'GET', `/api/v1/events/${spray.id}/entities`, { token: reader.token })).status).toBe(200);
  });

  test("another MSP's event answers 404 exactly like a missing one", async () => {
    const other = await seedMsp(handle.database);
    const id = eventOf(FORWARDING).id;
    const theirs = await call(app, 'GET', `/api/v1/events/${id}/entities?live=true`, { token: other.token });
    const missing = await call(app, 'GET', '/api/v1/events/00000000-0000-4000-8000-000000000000/entities', { token: other.token });
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(((await theirs.json()) as { error: { message: string } }).error.message).toBe(
      ((await missing.json()) as { error: { message: string } }).error.message,
    );
  });
});

describe('through the queue', () => {
  let boss: PgBoss;
  afterAll(async () => {
    if (boss) await stopQueue(boss, 5);
  });

  test('detection queues enrichment once per event; the sweep re-queues what a crash left pending; workers record it, retrying later what failed', async () => {
    const db = handle.database.db;
    // Another MSP watching the same Microsoft tenant: its own events and entities.
    const t = await insertSimTenant(db, CONTOSO.tenantId, { name: 'Contoso (second MSP)' });
    const ids = await collect(t.id);
    const appConfig = config();
    boss = await startQueue(handle.database, log, { schedule: false });
    await ensureQueues(boss, PIPELINE_JOBS);
    const tokens = createTokenProvider(appConfig, secrets);
    const deps = {
      database: handle.database,
      log,
      config: appConfig,
      boss,
      tokens,
      ipIntel,
      lookup: createConfiguredEntityLookup(appConfig, { tokens, ipIntel }),
    };

    const first = (await PIPELINE_JOBS['detect.activity'].run({ activityIds: ids }, deps)) as { eventsCreated: number; enrichQueued: number };
    expect(first.eventsCreated).toBe(becExpectations.raise.length);
    expect(first.enrichQueued).toBe(becExpectations.raise.length);
    expect(await boss.getQueueSize('enrich.event')).toBe(becExpectations.raise.length);
    const theirEvents = (await db.select({ id: securityEvent.id }).from(securityEvent).where(eq(securityEvent.tenantId, t.id))).map((e) => e.id);
    // One queued job per event, however often it is sent.
    expect(await sendForEnrichment(boss, theirEvents)).toBe(0);

    // A crash loses the queued jobs; the events are old enough for the sweep.
    await boss.purgeQueue('enrich.event');
    await db
      .update(securityEvent)
      .set({ createdAt: sql`now() - interval '10 minutes'` })
      .where(eq(securityEvent.tenantId, t.id));
    expect(await PIPELINE_JOBS['enrich.sweep'].run({}, deps)).toEqual({ queued: becExpectations.raise.length });
    expect(await PIPELINE_JOBS['enrich.sweep'].run({}, deps)).toEqual({ queued: 0 });

    // The inbox rule cannot be read for now: everything else is recorded, the rule waits for its retry.
    await control('/faults', 'PUT', { rules: [{ kind: 'server-error', status: 502, apis: ['graph'], pathIncludes: '/mailFolders/inbox/messageRules' }] });
    try {
      await startWorkers(boss, { 'enrich.event': PIPELINE_JOBS['enrich.event'] }, deps, { concurrency: 2, pollingIntervalSeconds: 0.5 });
      const pending = () =>
        db
          .select({ kind: eventEntity.kind, attempts: eventEntity.attempts })
          .from(eventEntity)
          .where(and(inArray(eventEntity.eventId, theirEvents), eq(eventEntity.snapshotStatus, 'pending')));
      await expect
        .poll(async () => (await entitiesOf(theirEvents)).filter((e) => e.snapshotStatus === 'recorded').length, { timeout: 30_000, interval: 250 })
        .toBeGreaterThan(30);
      await expect.poll(pending, { timeout: 30_000, interval: 250 }).toEqual([{ kind: 'inbox_rule', attempts: 1 }]);
      // The retry is queued for later (30 s), not run at once.
      expect(await boss.getQueueSize('enrich.event')).toBe(1);
      expect(await boss.fetch('enrich.event')).toEqual([]);
    } finally {
      await control('/faults', 'PUT', { rules: [] });
    }
  }, 120_000);
});

describe("after enrichment: whitelist rules on recorded intelligence, the consented app's publisher", () => {
  test("a rule on the IP's recorded data ignores the new VPN sign-in once enrichment has recorded it", async () => {
    const db = handle.database.db;
    // An MSP of its own watching the same Microsoft tenant: fresh events, nothing enriched yet.
    const t = await insertSimTenant(db, CONTOSO.tenantId, { name: 'Contoso (whitelisting MSP)' });
    // The free data places the Cloudflare WARP exit 104.28.196.63 in the US (Entra says NL on the
    // sign-in; the IP data knows the network, Cloudflare's AS 13335). A rule on the country
    // the data does not say stays quiet; a rule on the network ignores the event.
    const [byCountry, byNetwork] = await db
      .insert(whitelistRule)
      .values([
        {
          mspId: t.mspId,
          tenantId: t.id,
          name: 'Dutch office',
          expression: "Event.Detection = 'M365.AzureAD.AnonymizedIpSignIn' AND IP.CountryCode = 'NL'",
          reason: 'office in Amsterdam',
        },
        {
          mspId: t.mspId,
          tenantId: t.id,
          name: 'Company WARP',
          expression: "Event.Detection = 'M365.AzureAD.AnonymizedIpSignIn' AND IP.ASN = 13335 AND IP.CountryCode = 'US'",
          reason: 'staff use Cloudflare WARP',
        },
      ])
      .returning();
    const ids = await collect(t.id);
    for (let i = 0; i < ids.length; i += 1000) await detectActivity({ db, log }, ids.slice(i, i + 1000));
    const [vpn] = await db
      .select()
      .from(securityEvent)
      .where(and(eq(securityEvent.tenantId, t.id), eq(securityEvent.detectionId, 'M365.AzureAD.AnonymizedIpSignIn')));
    // Detection could not judge the rules: no IP data was recorded yet.
    expect(vpn).toMatchObject({ status: 'open', whitelistRuleId: null });

    const outcome = await enrichEvent({ db, lookup }, vpn!.id);
    expect(outcome.recorded).toBeGreaterThan(0);
    const [ip] = await db
      .select()
      .from(eventEntity)
      .where(and(eq(eventEntity.eventId, vpn!.id), eq(eventEntity.kind, 'ip'), eq(eventEntity.key, BEC.vpnIp)));
    expect(ip?.snapshot).toMatchObject({ location: { countryCode: 'US' }, network: { asNumber: 13335 } });
    const [after] = await db.select().from(securityEvent).where(eq(securityEvent.id, vpn!.id));
    expect(after).toMatchObject({ status: 'ignored', whitelistRuleId: byNetwork!.id, ignoredBy: null });
    expect(after!.ignoredAt).toBeInstanceOf(Date);
    const rules = await db.select({ id: whitelistRule.id, hits: whitelistRule.hits }).from(whitelistRule).where(eq(whitelistRule.mspId, t.mspId));
    expect(Object.fromEntries(rules.map((r) => [r.id, r.hits]))).toEqual({ [byCountry!.id]: 0, [byNetwork!.id]: 1 });
    // The tenant's other events are not touched by either rule.
    const others = await db
      .select({ status: securityEvent.status })
      .from(securityEvent)
      .where(and(eq(securityEvent.tenantId, t.id), sql`${securityEvent.id} <> ${vpn!.id}`));
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((e) => e.status === 'open')).toBe(true);
  }, 120_000);

  test('consent to an app from an unverified publisher: the event says so and is at least high; a rule on App.VerifiedPublisher sees it', async () => {
    const db = handle.database.db;
    const t = await insertSimTenant(db, CONTOSO.tenantId, { name: 'Contoso (consent MSP)' });
    // The MSP had lowered the consent detection's severity for its own events; an unverified publisher brings it back up.
    const [quiet] = await db
      .insert(whitelistRule)
      .values({
        mspId: t.mspId,
        tenantId: t.id,
        name: 'Verified apps',
        expression: "Event.Detection = 'M365.AzureAD.RiskyAppConsent' AND App.VerifiedPublisher = true",
        reason: 'only unverified publishers need a look',
      })
      .returning();
    const ids = await collect(t.id);
    for (let i = 0; i < ids.length; i += 1000) await detectActivity({ db, log }, ids.slice(i, i + 1000));
    const [consent] = await db
      .select()
      .from(securityEvent)
      .where(and(eq(securityEvent.tenantId, t.id), eq(securityEvent.detectionId, 'M365.AzureAD.RiskyAppConsent')));
    expect(consent).toMatchObject({ status: 'open', severity: 'high' });
    expect(consent!.fields).not.toHaveProperty('publisherVerified');
    await db.update(securityEvent).set({ severity: 'medium' }).where(eq(securityEvent.id, consent!.id));

    await enrichEvent({ db, lookup }, consent!.id);
    const [app] = await db
      .select()
      .from(eventEntity)
      .where(and(eq(eventEntity.eventId, consent!.id), eq(eventEntity.kind, 'app')));
    expect(app).toMatchObject({
      snapshotStatus: 'recorded',
      snapshot: { displayName: BEC.consentApp.displayName, verifiedPublisher: false, verification: 'unverified' },
    });
    const [after] = await db.select().from(securityEvent).where(eq(securityEvent.id, consent!.id));
    expect(after).toMatchObject({ status: 'open', severity: 'high', whitelistRuleId: null });
    expect(after!.description).toBe(`${consent!.description} ${UNVERIFIED_PUBLISHER_REASON}`);
    expect(after!.fields).toMatchObject({ ...consent!.fields, publisherVerified: false });
    const [rule] = await db.select({ hits: whitelistRule.hits }).from(whitelistRule).where(eq(whitelistRule.id, quiet!.id));
    expect(rule!.hits).toBe(0);

    // Judged once: the same app recorded again (a duplicated job) changes nothing more.
    expect(await judgeConsentPublisher(db, { ...after!, fields: consent!.fields }, app!.snapshot as JsonObject)).toBe('skipped');
    const [again] = await db.select().from(securityEvent).where(eq(securityEvent.id, consent!.id));
    expect(again!.description).toBe(after!.description);
    // A verified publisher is recorded as such and leaves the event as it was.
    const [other] = await db
      .insert(securityEvent)
      .values({ ...consent!, id: undefined, dedupKey: `${consent!.dedupKey}:verified`, fields: consent!.fields, severity: 'medium' })
      .returning();
    expect(await judgeConsentPublisher(db, other!, { ...(app!.snapshot as JsonObject), verifiedPublisher: true, verification: 'verified' })).toBe('verified');
    const [verified] = await db.select().from(securityEvent).where(eq(securityEvent.id, other!.id));
    expect(verified).toMatchObject({ severity: 'medium', description: consent!.description, fields: { ...consent!.fields, publisherVerified: true } });
  }, 120_000);
});
