import { describe, expect, it } from 'vitest';
import type { AuditRecord, SignIn } from '../records.ts';
import { contentTypeForRecord } from '../records.ts';
import expectations from './bec.expectations.json' with { type: 'json' };
import adminAbuseExpectations from './admin-abuse.expectations.json' with { type: 'json' };
import { ADMIN_ABUSE, BEC, CONTOSO, adminAbuseScenario, baselineScenario, becScenario, collectorConsent } from './index.ts';
import type { TenantScenario } from '../state.ts';

const consents = [collectorConsent('5b0c0c38-7d2f-4c35-9a2e-6f1f6a0c1a11')];

function matches(record: Record<string, unknown>, match: Record<string, unknown>): boolean {
  return Object.entries(match).every(([key, expected]) => {
    if (key.startsWith('Parameters.')) {
      const params = (record.Parameters as { Name: string; Value: string }[] | undefined) ?? [];
      const value = params.find((p) => p.Name === key.slice('Parameters.'.length))?.Value;
      return expected === '*' ? value !== undefined : value === expected;
    }
    let current: unknown = record;
    for (const part of key.split('/')) current = (current as Record<string, unknown> | undefined)?.[part];
    return current === expected;
  });
}

type ExpectationFile = {
  raise: {
    id: string;
    evidence: { source: string; match: Record<string, unknown>; minRecords: number; minDistinctUsers?: number };
    alsoIn?: { source: string; match: Record<string, unknown> };
  }[];
  doNotRaise: { id: string; evidence: { source: string; match: Record<string, unknown> } }[];
};

/** Every expected event and every look-alike of an expectations file is backed by records of the scenario; returns its audit records. */
function expectEvidence(scenario: TenantScenario, file: ExpectationFile): AuditRecord[] {
  const audit = (scenario.audit ?? []).map((a) => a.record);
  const graphSources: Record<string, Record<string, unknown>[]> = {
    'auditLogs/signIns': (scenario.signIns ?? []) as unknown as Record<string, unknown>[],
    'auditLogs/directoryAudits': (scenario.directoryAudits ?? []) as unknown as Record<string, unknown>[],
  };
  const bySource = (source: string): Record<string, unknown>[] => graphSources[source] ?? audit.filter((r: AuditRecord) => contentTypeForRecord(r) === source);
  for (const item of file.raise) {
    const found = bySource(item.evidence.source).filter((r) => matches(r, item.evidence.match));
    expect(found.length, item.id).toBeGreaterThanOrEqual(item.evidence.minRecords);
    if (item.evidence.minDistinctUsers !== undefined)
      expect(new Set(found.map((r) => r.UserId)).size, item.id).toBeGreaterThanOrEqual(item.evidence.minDistinctUsers);
    if (item.alsoIn)
      expect(bySource(item.alsoIn.source).filter((r) => matches(r, item.alsoIn!.match)).length, `${item.id} in ${item.alsoIn.source}`).toBeGreaterThan(0);
  }
  for (const item of file.doNotRaise) expect(bySource(item.evidence.source).filter((r) => matches(r, item.evidence.match)).length, item.id).toBeGreaterThan(0);
  return audit;
}

describe('scenario generator', () => {
  it('is deterministic: the same seed gives the same records', () => {
    const a = baselineScenario({ seed: 42, users: 40, consents });
    const b = baselineScenario({ seed: 42, users: 40, consents });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const c = baselineScenario({ seed: 43, users: 40, consents });
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it('builds a 300-user baseline day with matching Graph sign-ins and audit logons', () => {
    const scenario = baselineScenario({ consents });
    expect(scenario.users).toHaveLength(300);
    expect(new Set(scenario.users?.map((u) => u.userPrincipalName)).size).toBe(300);
    const audit = scenario.audit?.map((a) => a.record) ?? [];
    const logons = new Map(audit.filter((r) => r.RecordType === 15).map((r) => [r.Id, r]));
    for (const signIn of scenario.signIns ?? []) {
      const record = logons.get(signIn.id);
      expect(record, `audit record for sign-in ${signIn.id}`).toBeDefined();
      expect(record?.ClientIP).toBe(signIn.ipAddress);
      expect(record?.Operation).toBe(signIn.status.errorCode === 0 ? 'UserLoggedIn' : 'UserLoginFailed');
      expect(record?.ErrorNumber).toBe(String(signIn.status.errorCode));
      expect(`${String(record?.CreationTime)}Z`).toBe(signIn.createdDateTime);
    }
    // Every record is published after it happened.
    for (const input of scenario.audit ?? []) expect(Date.parse(input.publishAt ?? '')).toBeGreaterThan(Date.parse(`${input.record.CreationTime}Z`));
    // Audit times carry no zone designator; Graph times end in Z.
    expect(audit.every((r) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(r.CreationTime))).toBe(true);
    expect(scenario.signIns?.every((s) => s.createdDateTime.endsWith('Z'))).toBe(true);
    // All four Management API feeds it uses are populated.
    const types = new Set(audit.map(contentTypeForRecord));
    expect([...types].sort()).toEqual(['Audit.AzureActiveDirectory', 'Audit.Exchange', 'Audit.SharePoint']);
  });

  it('emits the ClientIP forms seen in real records and failures with ErrorNumber + LogonError', () => {
    const audit = (baselineScenario({ consents }).audit ?? []).map((a) => a.record);
    const ips = audit.map((r) => String(r.ClientIP));
    expect(ips.some((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip))).toBe(true);
    expect(ips.some((ip) => /^\d+\.\d+\.\d+\.\d+:\d+$/.test(ip))).toBe(true);
    expect(ips.some((ip) => /^::ffff:\d+\.\d+\.\d+\.\d+$/.test(ip))).toBe(true);
    expect(ips.some((ip) => /^\[2001:db8:[0-9a-f:]+\]:\d+$/.test(ip))).toBe(true);
    expect(ips.some((ip) => /^2001:db8:[0-9a-f:]+$/.test(ip))).toBe(true);
    const failed = audit.filter((r) => r.Operation === 'UserLoginFailed');
    expect(failed.length).toBeGreaterThan(0);
    for (const r of failed) expect(r).toMatchObject({ ResultStatus: 'Failed', LogonError: expect.any(String), ErrorNumber: expect.stringMatching(/^5\d{4}$/) });
    const directory = audit.filter((r) => r.RecordType === 8);
    expect(directory.length).toBeGreaterThan(0);
    expect(directory.every((r) => r.Operation.endsWith('.'))).toBe(true);
  });

  it('bec: every expected security event is backed by records in the scenario', () => {
    const scenario = becScenario({ consents });
    expect(scenario.tenantId).toBe(expectations.tenantId);
    expect(expectations.victim).toBe(BEC.victimUpn);
    const audit = expectEvidence(scenario, expectations);
    // Look-alikes stay benign: no baseline inbox rule forwards.
    const rules = audit.filter((r) => r.Operation === 'New-InboxRule' && r.UserId !== BEC.victimUpn);
    expect(rules.every((r) => !(r.Parameters as { Name: string }[]).some((p) => p.Name === 'ForwardTo'))).toBe(true);
    expect(scenario.riskDetections?.map((d) => d.riskEventType).sort()).toEqual(['anonymizedIPAddress', 'unfamiliarFeatures']);
    const vpnSignIn = (scenario.signIns ?? []).find((s: SignIn) => s.ipAddress === BEC.vpnIp);
    expect(vpnSignIn?.userPrincipalName).toBe(BEC.victimUpn);
    expect(CONTOSO.domain).toBe('contoso.com');
  });

  it('admin-abuse: every expected security event is backed by records in the scenario', () => {
    const scenario = adminAbuseScenario({ consents });
    expect(scenario.tenantId).toBe(adminAbuseExpectations.tenantId);
    expect(adminAbuseExpectations.victim).toBe(ADMIN_ABUSE.adminUpn);
    expect(adminAbuseExpectations.breakGlassAccounts).toEqual([ADMIN_ABUSE.breakGlassUpn]);
    const audit = expectEvidence(scenario, adminAbuseExpectations);
    // Per-user MFA off: Microsoft writes both records, each clearing StrongAuthenticationRequirement.
    const mfa = audit.filter(
      (r) => r.ObjectId === ADMIN_ABUSE.backdoorUpn && (r.Operation === 'Disable Strong Authentication.' || r.Operation === 'Update user.'),
    );
    expect(mfa.map((r) => r.Operation).sort()).toEqual(['Disable Strong Authentication.', 'Update user.']);
    for (const r of mfa) expect(r.ModifiedProperties).toContainEqual(expect.objectContaining({ Name: 'StrongAuthenticationRequirement', NewValue: '[]' }));
    const grant = audit.find((r) => r.Operation === 'Add member to role.' && r.ObjectId === ADMIN_ABUSE.backdoorUpn);
    expect(grant?.ModifiedProperties).toContainEqual({ Name: 'Role.TemplateId', NewValue: '"62e90394-69f5-4237-9190-012177145e10"', OldValue: '' });
    // Directory records reach Graph too (without the trailing period).
    expect(
      (scenario.directoryAudits ?? [])
        .filter((d) => d.initiatedBy.user?.ipAddress === ADMIN_ABUSE.attackerIp)
        .map((d) => d.activityDisplayName)
        .sort(),
    ).toEqual(['Add member to role', 'Disable Strong Authentication', 'Reset user password', 'Update user']);
  });
});
