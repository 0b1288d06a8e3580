import { describe, expect, test } from 'vitest';
import { normalizeRecord } from '../collector/normalize/index.ts';
import { ACTIVITY_FIELDS, activityEvent, fieldsMissingOverActivity } from './activity-event.ts';
import { compileToPredicate, parseFilter } from '../language/index.ts';
import { exchangeCmdlet, graphDirectory, graphSignIn, inboxRule, sharePoint, ualDirectory, ualSignIn } from './rules/fixtures/case-records.ts';
import type { CaseRecord, DetectionRecord } from './types.ts';

const TENANT_ID = '6f1c2c1e-0d5b-4a57-9a43-2f4b8e8d1b10';

function record(r: CaseRecord): DetectionRecord {
  const normalized = normalizeRecord(r.source, r.raw);
  if (!normalized.ok) throw new Error(normalized.reason);
  return { ...normalized.activity, activityId: 'a1', tenantId: TENANT_ID, source: r.source, raw: r.raw };
}
const view = (r: CaseRecord) => activityEvent(record(r), { name: 'Contoso' });

describe('sign-ins use the vocabulary of security triggers', () => {
  test.each([
    ['audit log success', ualSignIn({ user: 'megan@contoso.com', ip: '203.0.113.7' }), 'Success'],
    ['audit log wrong password', ualSignIn({ user: 'megan@contoso.com', ip: '203.0.113.7', errorNumber: 50126 }), 'PasswordInvalid'],
    ['audit log smart lockout', ualSignIn({ user: 'megan@contoso.com', ip: '203.0.113.7', errorNumber: 50053, logonError: 'IdsLocked' }), 'LockedOut'],
    [
      'audit log failure named only by LogonError',
      (() => {
        const r = ualSignIn({ user: 'megan@contoso.com', ip: '203.0.113.7', errorNumber: 50126, logonError: 'IdsLocked' });
        delete (r.raw as Record<string, unknown>).ErrorNumber;
        return r;
      })(),
      'LockedOut',
    ],
    ['Graph MFA code wrong', graphSignIn({ user: 'megan@contoso.com', ip: '203.0.113.7', errorCode: 500121 }), 'OneTimePasswordInvalid'],
    ['Graph success', graphSignIn({ user: 'megan@contoso.com', ip: '203.0.113.7' }), 'Success'],
  ])('%s', (_, r, result) => {
    expect(view(r)).toMatchObject({
      eventType: 'LoginAttempt',
      operationResult: result,
      userName: 'megan@contoso.com',
      networkAddress: '203.0.113.7',
      tenantName: 'Contoso',
    });
  });

  test('the same expression reads the same in both feeds', () => {
    const lockedOut = compileToPredicate(parseFilter("Event.EventType = 'LoginAttempt' AND Event.OperationResult = 'LockedOut'"));
    expect(lockedOut(view(ualSignIn({ user: 'a@contoso.com', ip: '198.51.100.1', errorNumber: 50053 })))).toBe(true);
    expect(lockedOut(view(graphSignIn({ user: 'a@contoso.com', ip: '198.51.100.1', errorCode: 50053 })))).toBe(true);
    expect(lockedOut(view(graphSignIn({ user: 'a@contoso.com', ip: '198.51.100.1', errorCode: 50126 })))).toBe(false);
  });

  test('Graph sign-ins carry the client app', () => {
    expect(view(graphSignIn({ user: 'a@contoso.com', ip: '198.51.100.1', clientAppUsed: 'IMAP4' })).fields).toMatchObject({ clientApp: 'IMAP4' });
  });
});

describe('other activity', () => {
  test('a user changing their own password is ChangePasswordAttempt, in both feeds', () => {
    const target = { id: '5c3d4e1f-0a9b-4c8d-9e7f-6a5b4c3d2e1f', type: 'User' as const, upn: 'megan@contoso.com' };
    expect(view(ualDirectory({ operation: 'Change user password.', actor: 'megan@contoso.com', target }))).toMatchObject({
      eventType: 'ChangePasswordAttempt',
      operationResult: 'Success',
      userName: 'megan@contoso.com',
    });
    expect(view(graphDirectory({ activity: 'Change user password', actor: 'megan@contoso.com', target, result: 'failure' }))).toMatchObject({
      eventType: 'ChangePasswordAttempt',
      operationResult: 'Failure',
    });
  });

  test('inbox rules, forwarding, downloads; unknown operations have no EventType', () => {
    expect(view(inboxRule({ name: 'x', parameters: [['MoveToFolder', 'RSS Feeds']] }))).toMatchObject({
      eventType: 'InboxRuleCreated',
      operationResult: 'Success',
    });
    expect(view(exchangeCmdlet({ operation: 'Set-Mailbox', parameters: [['ForwardingSmtpAddress', 'smtp:x@fabrikam.com']] }))).toMatchObject({
      eventType: 'MailboxForwardingSet',
    });
    expect(
      view(
        exchangeCmdlet({
          operation: 'Set-Mailbox',
          parameters: [
            ['Identity', 'megan'],
            ['AuditEnabled', 'True'],
          ],
        }),
      ),
    ).toMatchObject({ eventType: null, operationResult: null });
    expect(view(sharePoint({ operation: 'FileDownloaded' }))).toMatchObject({ eventType: 'FileDownload', workload: 'SharePoint', operation: 'FileDownloaded' });
  });
});

describe('fields over activity', () => {
  test('every field marked readable has a value for some record', () => {
    const samples = [
      view(graphSignIn({ user: 'a@contoso.com', ip: '198.51.100.1' })),
      view(ualSignIn({ user: 'a@contoso.com', ip: '198.51.100.1' })),
      view(inboxRule({ name: 'x', parameters: [] })),
    ];
    for (const field of ACTIVITY_FIELDS) {
      const filter = parseFilter(`${field.name} IS NOT NULL`);
      expect(samples.some(compileToPredicate(filter)), field.name).toBe(true);
    }
  });

  test('fields that exist only on raised events or after enrichment are positioned errors', () => {
    const errors = fieldsMissingOverActivity(parseFilter("Event.EventType = 'LoginAttempt' AND\n  (Event.Severity >= 'high' OR IP.CountryCode = 'NG')"));
    expect(errors.map((e) => e.toJSON())).toMatchObject([
      { code: 'unknown_field', line: 2, column: 4, length: 'Event.Severity'.length, message: expect.stringContaining('belongs to a raised event') },
      { code: 'unknown_field', line: 2, column: 32, message: expect.stringContaining('enrichment') },
    ]);
    expect(fieldsMissingOverActivity(parseFilter("event.operationresult = 'LockedOut' AND IP.Address = '203.0.113.7'"))).toEqual([]);
  });
});
