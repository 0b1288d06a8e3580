import { describe, expect, test } from 'vitest';
import { param } from './records.ts';
import type { DetectionRecord } from './types.ts';

const withParameters = (Parameters: unknown): DetectionRecord => ({
  activityId: 'a1',
  tenantId: 't1',
  source: 'Audit.General',
  recordId: 'r1',
  occurredAt: new Date('2024-05-06T10:12:00Z'),
  workload: 'SecurityComplianceCenter',
  operation: 'New-ComplianceSearchAction',
  recordType: 18,
  actorId: null,
  actorUpn: 'megan.bowen@contoso.com',
  clientIp: null,
  userAgent: null,
  result: 'True',
  target: null,
  raw: { Parameters },
});

describe('param: cmdlet parameters in either form', () => {
  test('the [{Name, Value}] list of Exchange admin cmdlets, by name, case-insensitive', () => {
    const record = withParameters([
      { Name: 'SearchName', Value: 'q2' },
      { Name: 'Export', Value: 'True' },
    ]);
    expect(param(record, 'searchname')).toBe('q2');
    expect(param(record, 'Export')).toBe('True');
    expect(param(record, 'Purge')).toBeNull();
  });

  test('the one string of Security & Compliance Center cmdlets: quoted, unquoted, switches, $true/$false', () => {
    const record = withParameters(`-SearchName "q 2" -Format FxStream -Export -Confirm:$false -Scope 'IndexedItemsOnly'`);
    expect(param(record, 'SearchName')).toBe('q 2');
    expect(param(record, 'Format')).toBe('FxStream');
    expect(param(record, 'Export')).toBe('True');
    expect(param(record, 'Confirm')).toBe('False');
    expect(param(record, 'scope')).toBe('IndexedItemsOnly');
    expect(param(record, 'Purge')).toBeNull();
  });

  test('anything else reads as absent', () => {
    expect(param(withParameters(undefined), 'Name')).toBeNull();
    expect(param(withParameters({ Name: 'x' }), 'Name')).toBeNull();
  });
});
