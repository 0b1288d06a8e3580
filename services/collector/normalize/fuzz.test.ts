import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { ACTIVITY_SOURCES } from '../../../db/schema/index.ts';
import { parseClientIp } from '../../activity/client-ip.ts';
import type { Normalizer } from '../../activity/types.ts';
import { fuzzTally } from '../../../test/helpers/fuzz.ts';
import { normalizeAzureActiveDirectory } from './azure-active-directory.ts';
import { normalizeExchange } from './exchange.ts';
import { normalizeGeneral } from './general.ts';
import { normalizeGraphAlert, normalizeGraphDirectoryAudit, normalizeGraphRiskDetection, normalizeGraphRiskyUser, normalizeGraphSignIn } from './graph.ts';
import { normalizeRecord } from './index.ts';
import { normalizeSharePoint } from './sharepoint.ts';

/**
 * Audit records are attacker-shaped (a tenant user writes inbox-rule names, file names, user
 * agents; a broken export writes anything): every normaliser, called directly (not through
 * normalizeRecord's safety net), answers a result for any JSON, never an exception.
 */
const tally = fuzzTally('normalizers');
afterAll(() => tally.save());

const NORMALIZERS: Record<string, Normalizer> = {
  normalizeAzureActiveDirectory,
  normalizeExchange,
  normalizeGeneral,
  normalizeSharePoint,
  normalizeGraphSignIn,
  normalizeGraphDirectoryAudit,
  normalizeGraphAlert,
  normalizeGraphRiskDetection,
  normalizeGraphRiskyUser,
};

/** Field names the audit log and Graph use, so random records get past the first checks. */
const KEYS = [
  'Id',
  'id',
  'CreationTime',
  'createdDateTime',
  'activityDateTime',
  'detectedDateTime',
  'riskLastUpdatedDateTime',
  'Workload',
  'Operation',
  'RecordType',
  'UserId',
  'UserKey',
  'UserType',
  'ClientIP',
  'ClientIPAddress',
  'ActorIpAddress',
  'ipAddress',
  'ResultStatus',
  'ObjectId',
  'Parameters',
  'ExtendedProperties',
  'ModifiedProperties',
  'Actor',
  'Target',
  'AppId',
  'UserAgent',
  'userPrincipalName',
  'userId',
  'appDisplayName',
  'status',
  'location',
  'initiatedBy',
  'targetResources',
  'activityDisplayName',
  'result',
  'title',
  'severity',
  'evidence',
  'riskEventType',
  'riskState',
  'userDisplayName',
  'clientAppUsed',
  'SourceFileName',
  'SiteUrl',
  'MailboxOwnerUPN',
  'AffectedItems',
];
const HOSTILE = [
  '',
  ' ',
  '\u0000',
  '\uD800',
  '\u202E',
  '<script>alert(1)</script>',
  "'; DROP TABLE activity; --",
  '{Event.Title}',
  '=HYPERLINK("http://x")',
  '\r\nBcc: x',
  'x'.repeat(10_000),
  '2024-13-45T99:99:99Z',
  '1.2.3.4:99999',
  '[::1]:0',
  '::ffff:10.0.0.1',
  'NaN',
  '__proto__',
  'constructor',
];
const leaf = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS, 'Name', 'Value'), tie('value'), { maxKeys: 4 }),
  ),
})).value;
const recordLike = fc.dictionary(fc.constantFrom(...KEYS), value, { minKeys: 1, maxKeys: 14 });
// Objects made with a `__proto__` key as JSON.parse makes them (an own property, not the prototype).
const anyJson = fc.oneof(
  fc.jsonValue(),
  recordLike,
  recordLike.map((r) => JSON.parse(JSON.stringify({ __proto__: r, ...r })) as unknown),
);

function expectResult(normalize: Normalizer, raw: unknown) {
  const result = normalize(raw);
  expect(typeof result.ok).toBe('boolean');
  tally.add(result.ok ? 'recordsAccepted' : 'recordsRefused');
  if (!result.ok) {
    expect(typeof result.reason).toBe('string');
    expect(result.reason.length).toBeGreaterThan(0);
    return;
  }
  const a = result.activity;
  expect(typeof a.recordId).toBe('string');
  expect(Number.isNaN(a.occurredAt.getTime())).toBe(false);
  expect(typeof a.workload).toBe('string');
  expect(typeof a.operation).toBe('string');
  // The client address is either none or one the parser gives back unchanged.
  if (a.clientIp !== null) expect(parseClientIp(a.clientIp)).toBe(a.clientIp);
  // It is stored as JSON: nothing that JSON cannot carry.
  expect(() => JSON.stringify(a)).not.toThrow();
}

describe('every normaliser answers a result for any JSON', () => {
  test.each(Object.entries(NORMALIZERS))('%s', (_, normalize) => {
    fc.assert(
      fc.property(anyJson, (raw) => expectResult(normalize, raw)),
      { numRuns: tally.runs(300) },
    );
  });

  test('normalizeRecord, for every source, never throws and never reads an internal error out as its reason', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ACTIVITY_SOURCES), anyJson, (source, raw) => {
        const result = normalizeRecord(source, raw);
        if (!result.ok) expect(result.reason).not.toMatch(/^could not be read: (Cannot read|.* is not a function|.* is not iterable)/);
      }),
      { numRuns: tally.runs(500) },
    );
  });
});
