import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { activity, msp, securityEvent, tenant } from '../../../db/schema/index.ts';
import { createTestDatabase } from '../../../test/helpers/database.ts';
import { normalizeRecord } from '../normalize/index.ts';
import { EXPECTED_RECORDS, isoTime, routeImportRecord } from './entra-exports.ts';
import { importAndDetect } from '../../pipeline/import-and-detect.ts';
import { reportLink } from './report-link.ts';

const TENANT = '7c1aec86-7bc7-44d0-a01c-72c2f196f29b';

/** A sign-in as diagnostic settings stream it to an event hub or a storage account. */
const streamedSignIn = (n: number, upn: string, code: number, ip = '159.203.84.17') => ({
  time: `2026-11-20T08:${String(10 + n).padStart(2, '0')}:00.0000000Z`,
  resourceId: `/tenants/${TENANT}/providers/Microsoft.aadiam`,
  operationName: 'Sign-in activity',
  operationVersion: '1.0',
  category: 'SignInLogs',
  tenantId: TENANT,
  resultType: String(code),
  resultSignature: 'None',
  resultDescription: code === 0 ? '' : 'Invalid username or password or Invalid on-premise username or password.',
  durationMs: 0,
  callerIpAddress: ip,
  correlationId: randomUUID(),
  identity: upn,
  Level: 4,
  location: 'US',
  properties: {
    id: `5e2a9c1b-0000-4000-8000-${String(n).padStart(12, '0')}`,
    createdDateTime: `2026-11-20T08:${String(10 + n).padStart(2, '0')}:00.0000000+00:00`,
    userDisplayName: upn.split('@')[0],
    userPrincipalName: upn,
    userId: randomUUID(),
    appId: '1b730954-1685-4b74-9bfd-dac224a7b894',
    appDisplayName: 'Azure Active Directory PowerShell',
    ipAddress: ip,
    status: { errorCode: code, failureReason: code === 0 ? 'Other.' : 'Invalid username or password or Invalid on-premise username or password.' },
    clientAppUsed: 'Mobile Apps and Desktop clients',
    userAgent: 'python-requests/2.31.0',
    location: { city: 'Clifton', state: 'New Jersey', countryOrRegion: 'US', geoCoordinates: { latitude: 40.8364, longitude: -74.1403 } },
    isInteractive: true,
  },
});

/** A directory audit row as Log Analytics / Sentinel exports it: PascalCase, space-separated time, dynamic columns as JSON text. */
const analyticsAudit = (n: number, operation: string, targetUpn: string) => ({
  TenantId: TENANT,
  SourceSystem: 'Azure AD',
  TimeGenerated: `2026-11-20 09:0${n}:30`,
  ResourceId: `/tenants/${TENANT}/providers/Microsoft.aadiam`,
  OperationName: operation,
  OperationVersion: '1.0',
  Category: 'UserManagement',
  ResultType: '',
  Identity: 'admin@contoso.onmicrosoft.com',
  Level: '4',
  AdditionalDetails: '[]',
  Id: `Directory_${randomUUID()}_ABCDE_${n}`,
  InitiatedBy: JSON.stringify({ user: { id: randomUUID(), userPrincipalName: 'megan.bowen@contoso.com', ipAddress: '203.0.113.10' } }),
  LoggedByService: 'Core Directory',
  Result: 'success',
  ResultReason: '',
  TargetResources: JSON.stringify([{ id: randomUUID(), type: 'User', userPrincipalName: targetUpn, modifiedProperties: [] }]),
  AADTenantId: TENANT,
  ActivityDisplayName: operation,
  ActivityDateTime: `2026-11-20 09:0${n}:30`,
  CorrelationId: randomUUID(),
  Type: 'AuditLogs',
});

const alertV2 = {
  '@odata.type': '#microsoft.graph.security.alert',
  id: 'da637578995287051192_756343937',
  providerAlertId: 'da637578995287051192_756343937',
  incidentId: '28282',
  status: 'new',
  severity: 'high',
  serviceSource: 'microsoftDefenderForOffice365',
  detectionSource: 'microsoftDefenderForOffice365',
  title: 'Suspicious email forwarding activity',
  description: 'A user set up forwarding to an external address.',
  category: 'Exfiltration',
  createdDateTime: '2026-11-20 10:00:00',
  lastUpdateDateTime: '2026-11-20 10:05:00',
  mitreTechniques: ['T1114.003'],
  evidence: [{ '@odata.type': '#microsoft.graph.security.userEvidence', userAccount: { userPrincipalName: 'megan.bowen@contoso.com' } }],
};

describe('routeImportRecord', () => {
  test('an event hub sign-in becomes a Graph sign-in the normaliser reads', () => {
    const routed = routeImportRecord(streamedSignIn(1, 'ann@contoso.com', 50126));
    expect(routed).toMatchObject({
      source: 'graph.signIns',
      raw: { userPrincipalName: 'ann@contoso.com', status: { errorCode: 50126 }, userAgent: 'python-requests/2.31.0' },
    });
    if (!('source' in routed)) throw new Error('not routed');
    const normalized = normalizeRecord(routed.source, routed.raw);
    expect(normalized).toMatchObject({
      ok: true,
      activity: { operation: 'SignIn', actorUpn: 'ann@contoso.com', clientIp: '159.203.84.17', result: 'Failed:50126' },
    });
  });

  test('a Log Analytics sign-in row with PascalCase columns, ResultType text and a space-separated time', () => {
    const routed = routeImportRecord({
      TimeGenerated: '2026-11-20 08:15:00',
      Id: 'a1b2c3d4-0000-4000-8000-000000000001',
      UserPrincipalName: 'Ann@Contoso.com',
      IPAddress: '159.203.84.17',
      ResultType: '50126',
      AppDisplayName: 'Office 365 Exchange Online',
      UserAgent: 'Go-http-client/1.1',
      LocationDetails: '{"city":"Clifton","countryOrRegion":"US","geoCoordinates":{"latitude":40.8,"longitude":-74.1}}',
      Category: 'SignInLogs',
      Type: 'SigninLogs',
    });
    expect(routed).toMatchObject({
      source: 'graph.signIns',
      raw: { createdDateTime: '2026-11-20T08:15:00Z', ipAddress: '159.203.84.17', status: { errorCode: 50126 }, location: { countryOrRegion: 'US' } },
    });
  });

  test('a Log Analytics audit row becomes a Graph directoryAudit with its nested values read', () => {
    const routed = routeImportRecord(analyticsAudit(1, 'Delete user', 'user1@contoso.com'));
    if (!('source' in routed)) throw new Error(routed.reason);
    expect(routed.source).toBe('graph.directoryAudits');
    expect(normalizeRecord(routed.source, routed.raw)).toMatchObject({ ok: true, activity: { operation: 'Delete user', actorUpn: 'megan.bowen@contoso.com' } });
  });

  test('an alerts_v2 alert; unified audit records pass as they are; anything else says what was expected', () => {
    expect(routeImportRecord(alertV2)).toMatchObject({ source: 'graph.alerts_v2', raw: { createdDateTime: '2026-11-20T10:00:00Z' } });
    const ual = { CreationTime: '2026-11-20T08:00:00', Id: 'x', Operation: 'New-InboxRule', Workload: 'Exchange', RecordType: 1 };
    expect(routeImportRecord(ual)).toEqual({ source: 'import', raw: ual });
    expect(routeImportRecord({ hello: 'world' })).toEqual({ reason: EXPECTED_RECORDS });
    expect(routeImportRecord({ category: 'SignInLogs', properties: { userPrincipalName: 'ann@contoso.com' } })).toEqual({
      reason: expect.stringMatching(/sign-in record needs an id and a time/),
    });
    expect(isoTime('2026-11-20 08:15:00.123 UTC')).toBe('2026-11-20T08:15:00.123Z');
    // Audit-log records with their names in another letter case read as Microsoft spells them.
    const lower = {
      creationtime: '2026-11-20 08:00:00',
      id: 'y',
      operation: 'Set-Mailbox',
      workload: 'Exchange',
      recordtype: 1,
      userid: 'Admin@Contoso.com',
      parameters: [{ Name: 'Identity', Value: 'cfo@contoso.com' }],
    };
    const routed = routeImportRecord(lower);
    expect(routed).toMatchObject({
      source: 'import',
      raw: { CreationTime: '2026-11-20T08:00:00Z', Operation: 'Set-Mailbox', Workload: 'Exchange', UserId: 'Admin@Contoso.com' },
    });
    if ('source' in routed)
      expect(normalizeRecord(routed.source, routed.raw)).toMatchObject({ ok: true, activity: { operation: 'Set-Mailbox', actorUpn: 'admin@contoso.com' } });
  });
});

describe('importing Entra ID exports and alerts', () => {
  let handle: Awaited<ReturnType<typeof createTestDatabase>>;
  const dir = mkdtempSync(join(tmpdir(), 'tw-entra-import-'));
  beforeAll(async () => {
    handle = await createTestDatabase();
  });
  afterAll(() => handle.drop());

  test("a small tenant's spray from a storage export, user deletions from Log Analytics and an alert raise their events", async () => {
    const db = handle.database.db;
    const [m] = await db.insert(msp).values({ name: 'Northwind' }).returning();
    // A nine-user tenant: six accounts tried is a spray there.
    const [t] = await db
      .insert(tenant)
      .values({ mspId: m!.id, tenantGuid: randomUUID(), name: 'Fabrikam', primaryDomain: 'contoso.com', authMode: 'consent', userCount: 9 })
      .returning();
    const target = { mspId: m!.id, tenantId: t!.id };
    const users = ['ann', 'ben', 'cara', 'dan', 'eve', 'finn'].map((u) => `${u}@contoso.com`);
    const storage = write(dir, 'PT1H.json', JSON.stringify({ records: users.map((u, i) => streamedSignIn(i, u, 50126)) }, null, 2));
    const summary = await importAndDetect({ db }, target, storage);
    expect(summary).toMatchObject({ read: 6, imported: 6, quarantined: 0 });

    const lines = [...[1, 2, 3].map((n) => analyticsAudit(n, 'Delete user', `gone${n}@contoso.com`)), alertV2, { hello: 'world' }]
      .map((r) => JSON.stringify(r))
      .join('\n');
    const second = await importAndDetect({ db }, target, write(dir, 'mixed.jsonl', lines));
    expect(second).toMatchObject({ read: 5, imported: 4, quarantined: 1 });
    expect(second.quarantine).toEqual([{ at: { unit: 'line', number: 5 }, reason: EXPECTED_RECORDS }]);

    const sources = (await db.select({ source: activity.source }).from(activity).where(eq(activity.tenantId, t!.id))).map((r) => r.source);
    expect(sources.sort()).toEqual([...Array(1).fill('graph.alerts_v2'), ...Array(3).fill('graph.directoryAudits'), ...Array(6).fill('graph.signIns')]);
    const events = await db.select().from(securityEvent).where(eq(securityEvent.tenantId, t!.id));
    const byRule = Object.fromEntries(events.map((e) => [e.detectionId, e]));
    expect(byRule['M365.AzureAD.PasswordSpray']).toMatchObject({ dedupKey: '159.203.84.17', severity: 'high' });
    expect(byRule['M365.AzureAD.PasswordSpray']!.fields).toMatchObject({ attackTool: 'Python requests script' });
    expect(byRule['M365.AzureAD.MassUserDeletion']).toMatchObject({ dedupKey: 'megan.bowen@contoso.com' });
    expect(byRule['M365.Defender.Alert']).toBeDefined();

    // The Report link covers the events' days, however old (the default range is 30 days).
    const link = await reportLink(db, 'https://tw.example/', t!.id, [...summary.detection.eventIds, ...second.detection.eventIds]);
    expect(link).toBe(`https://tw.example/?tenant=${t!.id}&status=all&range=custom&from=2026-11-20&to=2026-11-20`);
    expect(await reportLink(db, 'https://tw.example', t!.id, [])).toBeNull();
  }, 120_000);

  test('an import-only tenant (no directory count) is sized by the accounts its records name', async () => {
    const db = handle.database.db;
    const [m] = await db.insert(msp).values({ name: 'Tailspin' }).returning();
    const users = ['ann', 'ben', 'cara', 'dan', 'eve', 'finn'].map((u) => `${u}@contoso.com`);
    const file = write(dir, 'spray-only.json', JSON.stringify({ records: users.map((u, i) => streamedSignIn(i, u, 50126, '159.203.84.77')) }));
    const sprayEvents = async (importOnly: boolean) => {
      const [t] = await db
        .insert(tenant)
        .values({ mspId: m!.id, tenantGuid: randomUUID(), name: 'Investigation', primaryDomain: 'contoso.com', authMode: 'secret', importOnly })
        .returning();
      await importAndDetect({ db }, { mspId: m!.id, tenantId: t!.id }, file);
      return (await db.select().from(securityEvent).where(eq(securityEvent.tenantId, t!.id))).filter((e) => e.detectionId === 'M365.AzureAD.PasswordSpray');
    };
    // Six accounts seen: a small tenant's threshold (four) applies.
    expect(await sprayEvents(true)).toHaveLength(1);
    // A collected tenant whose count could not be read keeps the configured ten.
    expect(await sprayEvents(false)).toHaveLength(0);
  }, 120_000);
});

function write(dir: string, name: string, content: string) {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
