import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { activity, detectionProcessed, eventEntity, securityEvent } from '../db/schema/index.ts';
import { createIpIntel, type IpIntelService } from '../enrichment/ip/index.ts';
import { eventsWithPendingEntities } from '../enrichment/stage.ts';
import { importAndDetect } from '../services/pipeline/import-and-detect.ts';
import { createLogger } from '../services/log.ts';
import { BEC, becScenario, collectorConsent } from '../services/sim/m365/scenarios/index.ts';
import { COLLECTOR_APP_ID } from './helpers/m365-sim.ts';
import { createTestDatabase } from './helpers/database.ts';
import { insertSimTenant } from './helpers/sim-tenant.ts';

/**
 * An investigator imports the bec story's audit log (the Management Activity API records, as
 * Search-UnifiedAuditLog exports them) into a tenant: the records go through the detections as
 * collected ones do, and the events wait for enrichment.
 */
let handle: Awaited<ReturnType<typeof createTestDatabase>>;
let ipIntel: IpIntelService;
const dir = mkdtempSync(join(tmpdir(), 'tw-import-detect-'));
const log = createLogger({ logLevel: 'silent' });

beforeAll(async () => {
  handle = await createTestDatabase();
  ipIntel = createIpIntel();
});
afterAll(async () => {
  await ipIntel.close();
  await handle.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** The events the bec audit log alone raises (the Graph-only ones, Identity Protection's risk, cannot come from a file). */
const FROM_THE_AUDIT_LOG = [
  { rule: 'M365.AzureAD.PasswordSpray', key: BEC.sprayIp },
  { rule: 'M365.Exchange.InboxRuleExternalForwarding', key: BEC.victimUpn },
  { rule: 'M365.Exchange.ExternalForwarding', key: BEC.victimUpn },
  { rule: 'M365.Exchange.SuspiciousMailFlowRule', key: BEC.transportRuleName },
  { rule: 'M365.SharePoint.AnonymousLinkCreated', key: `${BEC.financeSite}/${BEC.financeFolder}` },
  { rule: 'M365.AzureAD.RiskyAppConsent', key: BEC.consentApp.appId },
];

describe('imported records go through detection like collected ones', () => {
  test('importing the bec audit log raises its events; a second import changes nothing', async () => {
    const scenario = becScenario({ consents: [collectorConsent(COLLECTOR_APP_ID)] });
    const records = (scenario.audit ?? []).map((a) => a.record);
    expect(records.length).toBeGreaterThan(100);
    const file = join(dir, 'bec-audit.json');
    writeFileSync(file, JSON.stringify(records));
    const db = handle.database.db;
    const t = await insertSimTenant(db, scenario.tenantId);

    const progress: { detected: number; events: number }[] = [];
    const first = await importAndDetect({ db, log, ipIntel }, { mspId: t.mspId, tenantId: t.id }, file, (p) =>
      progress.push({ detected: p.detected, events: p.events }),
    );
    expect(first).toMatchObject({ format: 'json-array', read: records.length, imported: records.length, quarantined: 0 });
    // Every imported record went through the engine, batch by batch as it was stored.
    expect(first.detection.processed).toBe(records.length);
    expect(progress.at(-1)).toEqual({ detected: records.length, events: first.detection.eventIds.length });
    const ids = (await db.select({ id: activity.id }).from(activity).where(eq(activity.tenantId, t.id))).map((r) => r.id);
    expect((await db.select({ id: detectionProcessed.activityId }).from(detectionProcessed).where(inArray(detectionProcessed.activityId, ids))).length).toBe(
      ids.length,
    );

    const events = await db.select().from(securityEvent).where(eq(securityEvent.tenantId, t.id));
    const raised = events.map((e) => ({ rule: e.detectionId, key: e.dedupKey }));
    for (const expected of FROM_THE_AUDIT_LOG) expect(raised).toContainEqual(expected);
    expect(raised.map((r) => r.rule)).not.toContain('M365.AzureAD.IdentityProtectionRisk');
    expect(first.detection.eventIds.sort()).toEqual(events.map((e) => e.id).sort());
    expect(first.detection.eventsCreated).toBe(events.length);

    // The events' entities wait for the enrichment stage, as for collected records.
    const forwarding = events.find((e) => e.detectionId === 'M365.Exchange.InboxRuleExternalForwarding')!;
    const entities = await db.select().from(eventEntity).where(eq(eventEntity.eventId, forwarding.id));
    expect(entities.map((e) => e.snapshotStatus)).toEqual(entities.map(() => 'pending'));
    expect((await eventsWithPendingEntities(db, first.detection.eventIds)).sort()).toEqual(first.detection.eventIds.sort());

    const again = await importAndDetect({ db, log, ipIntel }, { mspId: t.mspId, tenantId: t.id }, file);
    expect(again).toMatchObject({ imported: 0, duplicates: records.length, detection: { processed: 0, eventsCreated: 0, eventsUpdated: 0, eventIds: [] } });
    expect(await db.select().from(securityEvent).where(eq(securityEvent.tenantId, t.id))).toHaveLength(events.length);
  }, 120_000);
});
