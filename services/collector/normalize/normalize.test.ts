import { describe, expect, test } from 'vitest';
import { normalizeRecord } from './index.ts';
import { parseUtc } from './common.ts';

// Real-shaped records: the captured shapes in shared/protocols.md, with contoso names.
const newInboxRule = {
  AppAccessContext: { IssuedAtTime: '2024-02-04T21:14:37', UniqueTokenId: 'MAvPl7EnRECtYhC4q6h_AA' },
  CreationTime: '2024-02-04T22:49:32',
  Id: '3afb17e9-3e04-4b8c-3bc4-08dc25d38dd4',
  Operation: 'New-InboxRule',
  OrganizationId: '7c1aec86-7bc7-44d0-a01c-72c2f196f29b',
  RecordType: 1,
  ResultStatus: 'True',
  UserKey: '10032000456EB2E1',
  UserType: 2,
  Version: 1,
  Workload: 'Exchange',
  ClientIP: '154.66.247.79:14204',
  ObjectId: 'APCPR02A010.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/stinger_b5cd7fb7af\\.',
  UserId: 'stinger@contoso.com',
  AppId: '00000002-0000-0ff1-ce00-000000000000',
  AppPoolName: 'MSExchangeOWAAppPool',
  ClientAppId: '',
  ExternalAccess: false,
  OrganizationName: 'contoso.onmicrosoft.com',
  OriginatingServer: 'KL1PR02MB6845 (15.20.7249.032)',
  Parameters: [
    { Name: 'AlwaysDeleteOutlookRulesBlob', Value: 'False' },
    { Name: 'Force', Value: 'False' },
    { Name: 'Name', Value: '.' },
    { Name: 'DeleteMessage', Value: 'True' },
    { Name: 'MarkAsRead', Value: 'True' },
    { Name: 'StopProcessingRules', Value: 'True' },
  ],
  RequestId: 'f3c35d3a-9952-f4fe-e596-ba900a369722',
  SessionId: 'c3a0b190-e9c0-42ce-b987-91b4eccfc985',
};

const userLoggedIn = {
  CreationTime: '2023-07-12T12:38:42',
  Id: '9401f4f5-c86c-402d-a892-3a0b78392300',
  Operation: 'UserLoggedIn',
  OrganizationId: '8d4121ed-0008-406d-bff9-0d5bb312183c',
  RecordType: 15,
  ResultStatus: 'Success',
  UserKey: 'f23cb258-50ca-4092-9027-5c4ca2f1d999',
  UserType: 0,
  Version: 1,
  Workload: 'AzureActiveDirectory',
  ClientIP: '2a09:bac1:820:8::1a:9c',
  ObjectId: '00000002-0000-0000-c000-000000000000',
  UserId: 'Lidia@contoso.onmicrosoft.com',
  AzureActiveDirectoryEventType: 1,
  ExtendedProperties: [
    { Name: 'ResultStatusDetail', Value: 'Success' },
    { Name: 'UserAgent', Value: 'Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.3031' },
    { Name: 'UserAuthenticationMethod', Value: '1' },
    { Name: 'RequestType', Value: 'OAuth2:Token' },
  ],
  ModifiedProperties: [],
  Actor: [
    { ID: 'f23cb258-50ca-4092-9027-5c4ca2f1d999', Type: 0 },
    { ID: 'Lidia@contoso.onmicrosoft.com', Type: 5 },
  ],
  ActorContextId: '8d4121ed-0008-406d-bff9-0d5bb312183c',
  ActorIpAddress: '2a09:bac1:820:8::1a:9c',
  InterSystemsId: 'c143087e-5447-4027-a464-a7acebe67b79',
  IntraSystemId: '9401f4f5-c86c-402d-a892-3a0b78392300',
  SupportTicketId: '',
  Target: [{ ID: '00000002-0000-0000-c000-000000000000', Type: 0 }],
  TargetContextId: '8d4121ed-0008-406d-bff9-0d5bb312183c',
  ApplicationId: '1b730954-1685-4b74-9bfd-dac224a7b894',
  DeviceProperties: [{ Name: 'OS', Value: 'Windows 10' }],
  ErrorNumber: '0',
};

const userLoginFailed = {
  ...userLoggedIn,
  Id: '0b6b1b0e-48c4-4a0e-a7c1-2a1f1d5f0a01',
  Operation: 'UserLoginFailed',
  ResultStatus: 'Failed',
  ErrorNumber: '50126',
  LogonError: 'InvalidUserNameOrPassword',
  ClientIP: '203.0.113.77',
};

// The SharePoint export form: numbers stringified, as Purview exports and some tools write them.
const anonymousLinkCreated = {
  ClientIP: '67.43.156.13',
  CorrelationId: 'fe71359f-005f-9000-7cb1-ccf5124703db',
  CreationTime: '2020-02-14T18:25:45',
  EventData: '<Type>Edit</Type>',
  EventSource: 'SharePoint',
  Id: '1cb54d72-3a76-4a7c-7b3d-08d7b17b4ec9',
  ItemType: 'File',
  ObjectId: 'https://contoso-my.sharepoint.com/personal/asr_contoso_onmicrosoft_com/Documents/Screenshot.png',
  Operation: 'AnonymousLinkCreated',
  OrganizationId: 'b86ab9d4-fcf1-4b11-8a06-7a8f91b47fbd',
  RecordType: '14',
  SiteUrl: 'https://contoso-my.sharepoint.com/personal/asr_contoso_onmicrosoft_com',
  SourceFileName: 'Screenshot.png',
  SourceRelativeUrl: 'Documents/Screenshot.png',
  UserAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.14; rv:73.0) Gecko/20100101 Firefox/73.0',
  UserId: 'asr@contoso.onmicrosoft.com',
  UserKey: 'i:0h.f|membership|1003200096971f55@live.com',
  UserType: '0',
  Version: '1',
  Workload: 'OneDrive',
};

const addMemberToRole = {
  CreationTime: '2024-05-02T09:14:03',
  Id: '5d6f3c1e-2a9b-4d7e-9f0a-1b2c3d4e5f60',
  Operation: 'Add member to role.',
  OrganizationId: '8d4121ed-0008-406d-bff9-0d5bb312183c',
  RecordType: 8,
  ResultStatus: 'Success',
  UserKey: '10037FFE8A1B2C3D@contoso.onmicrosoft.com',
  UserType: 0,
  Version: 1,
  Workload: 'AzureActiveDirectory',
  ObjectId: 'megan@contoso.com',
  UserId: 'admin@contoso.onmicrosoft.com',
  Actor: [
    { ID: 'admin@contoso.onmicrosoft.com', Type: 5 },
    { ID: '7a2e4b1c-9d3f-4e5a-8b6c-0d1e2f3a4b5c', Type: 0 },
  ],
  Target: [
    { ID: 'User_3b1c5d7e-9f2a-4b6c-8d0e-1f2a3b4c5d6e', Type: 2 },
    { ID: 'megan@contoso.com', Type: 5 },
  ],
  ModifiedProperties: [
    { Name: 'Role.DisplayName', NewValue: 'Global Administrator', OldValue: '' },
    { Name: 'Role.TemplateId', NewValue: '62e90394-69f5-4237-9190-012177145e10', OldValue: '' },
  ],
};

const graphSignIn = {
  id: '66ea54eb-6301-4ee5-be62-ff5a759b0100',
  createdDateTime: '2020-03-13T19:15:41.6195833Z',
  userDisplayName: 'Test Contoso',
  userPrincipalName: 'testaccount1@contoso.com',
  userId: '26be570a-ae82-4189-b4e2-a37c6808512d',
  appId: 'de8bc8b5-d9f9-48b1-a8ad-b748da725064',
  appDisplayName: 'Graph explorer',
  ipAddress: '131.107.159.37',
  clientAppUsed: 'Browser',
  status: { errorCode: 0, failureReason: null, additionalDetails: null },
  location: { city: 'Redmond', state: 'Washington', countryOrRegion: 'US' },
};

describe('normalizeRecord', () => {
  test.each([
    [
      'New-InboxRule (Exchange cmdlet, IPv4 with port)',
      'Audit.Exchange',
      newInboxRule,
      {
        recordId: '3afb17e9-3e04-4b8c-3bc4-08dc25d38dd4',
        occurredAt: new Date('2024-02-04T22:49:32Z'),
        workload: 'Exchange',
        operation: 'New-InboxRule',
        recordType: 1,
        actorId: null,
        actorUpn: 'stinger@contoso.com',
        clientIp: '154.66.247.79',
        result: 'True',
        target: newInboxRule.ObjectId,
      },
    ],
    [
      'UserLoggedIn (STS, IPv6, user agent in ExtendedProperties)',
      'Audit.AzureActiveDirectory',
      userLoggedIn,
      {
        occurredAt: new Date('2023-07-12T12:38:42Z'),
        operation: 'UserLoggedIn',
        recordType: 15,
        actorId: 'f23cb258-50ca-4092-9027-5c4ca2f1d999',
        actorUpn: 'lidia@contoso.onmicrosoft.com',
        clientIp: '2a09:bac1:820:8::1a:9c',
        userAgent: 'Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.3031',
        result: 'Success',
      },
    ],
    [
      'UserLoginFailed (ErrorNumber and LogonError)',
      'Audit.AzureActiveDirectory',
      userLoginFailed,
      { operation: 'UserLoginFailed', result: 'Failed:50126', clientIp: '203.0.113.77' },
    ],
    [
      'AnonymousLinkCreated (OneDrive, stringified numbers, via Audit.SharePoint)',
      'Audit.SharePoint',
      anonymousLinkCreated,
      {
        workload: 'OneDrive',
        recordType: 14,
        actorUpn: 'asr@contoso.onmicrosoft.com',
        clientIp: '67.43.156.13',
        userAgent: anonymousLinkCreated.UserAgent,
        target: anonymousLinkCreated.ObjectId,
      },
    ],
    [
      'Add member to role. (directory change; trailing period kept; target UPN)',
      'Audit.AzureActiveDirectory',
      addMemberToRole,
      {
        operation: 'Add member to role.',
        recordType: 8,
        actorId: '7a2e4b1c-9d3f-4e5a-8b6c-0d1e2f3a4b5c',
        actorUpn: 'admin@contoso.onmicrosoft.com',
        target: 'megan@contoso.com',
        clientIp: null,
      },
    ],
    [
      'an Exchange record arriving in an import is routed by its Workload',
      'import',
      newInboxRule,
      { workload: 'Exchange', operation: 'New-InboxRule', clientIp: '154.66.247.79' },
    ],
    [
      'Graph sign-in (seven fractional digits, Z)',
      'graph.signIns',
      graphSignIn,
      {
        recordId: '66ea54eb-6301-4ee5-be62-ff5a759b0100',
        occurredAt: new Date('2020-03-13T19:15:41.619Z'),
        workload: 'AzureActiveDirectory',
        operation: 'SignIn',
        actorId: '26be570a-ae82-4189-b4e2-a37c6808512d',
        actorUpn: 'testaccount1@contoso.com',
        clientIp: '131.107.159.37',
        result: 'Success',
        target: 'Graph explorer',
      },
    ],
    [
      'failed Graph sign-in',
      'graph.signIns',
      { ...graphSignIn, status: { errorCode: 50126, failureReason: 'Invalid username or password' } },
      { result: 'Failed:50126' },
    ],
    [
      'Graph directory audit, initiated by an app',
      'graph.directoryAudits',
      {
        id: 'Directory_0b6b1b0e',
        activityDateTime: '2024-05-02T09:14:03.123Z',
        activityDisplayName: 'Consent to application',
        result: 'success',
        initiatedBy: { app: { servicePrincipalId: 'd1e2f3a4-0000-4000-8000-000000000001', displayName: 'Contoso Sync' } },
        targetResources: [{ id: 'x', displayName: 'Mail Helper', type: 'ServicePrincipal' }],
      },
      {
        operation: 'Consent to application',
        actorId: 'd1e2f3a4-0000-4000-8000-000000000001',
        actorUpn: 'contoso sync',
        target: 'Mail Helper',
        result: 'success',
      },
    ],
    [
      'risk detection',
      'graph.riskDetections',
      {
        id: 'rd1',
        activityDateTime: '2024-05-02T09:14:03Z',
        riskEventType: 'anonymizedIPAddress',
        riskLevel: 'medium',
        userId: 'u1',
        userPrincipalName: 'Megan@contoso.com',
        ipAddress: '185.220.101.4',
      },
      { workload: 'IdentityProtection', operation: 'anonymizedIPAddress', actorUpn: 'megan@contoso.com', clientIp: '185.220.101.4', result: 'medium' },
    ],
    [
      'risky user: each state change is its own record',
      'graph.riskyUsers',
      { id: 'u1', riskLastUpdatedDateTime: '2024-05-02T09:20:00Z', riskLevel: 'high', riskState: 'atRisk', userPrincipalName: 'megan@contoso.com' },
      { recordId: 'u1@2024-05-02T09:20:00Z', operation: 'RiskyUser.atRisk', result: 'high' },
    ],
  ] as const)('%s', (_name, source, raw, expected) => {
    const result = normalizeRecord(source, raw);
    expect(result).toMatchObject({ ok: true, activity: expected });
  });

  test.each([
    ['not an object', 'Audit.Exchange', 'hello', /not a valid audit record/],
    ['null', 'Audit.General', null, /not a valid audit record/],
    ['missing Id', 'Audit.Exchange', { ...newInboxRule, Id: undefined }, /Id/],
    ['bad CreationTime', 'Audit.Exchange', { ...newInboxRule, CreationTime: 'yesterday' }, /CreationTime is not a date/],
    ['RecordType not a number', 'Audit.Exchange', { ...newInboxRule, RecordType: 'one' }, /RecordType/],
    ['Graph record without id', 'graph.signIns', { ...graphSignIn, id: undefined }, /id/],
    ['Graph record with a bad date', 'graph.signIns', { ...graphSignIn, createdDateTime: '13/03/2020' }, /createdDateTime is not a date/],
    ['Graph status of the wrong type', 'graph.signIns', { ...graphSignIn, status: { errorCode: 'x' } }, /status.errorCode/],
  ] as const)('quarantines %s with its reason', (_name, source, raw, reason) => {
    const result = normalizeRecord(source, raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  test('Security & Compliance Center cmdlets (RecordType 18) keep Parameters as one string; Exchange cmdlets a list', () => {
    // Microsoft's schema: a compliance cmdlet's Parameters and NonPIIParameters are one string each.
    const search = {
      CreationTime: '2024-05-06T10:12:00',
      Id: '5e3f1c2a-8a0b-4f6e-9c1d-2b7a9e0f4d31',
      Operation: 'New-ComplianceSearch',
      OrganizationId: '7c1aec86-7bc7-44d0-a01c-72c2f196f29b',
      RecordType: 18,
      ResultStatus: 'True',
      UserKey: 'megan.bowen@contoso.com',
      UserType: 2,
      Version: 1,
      Workload: 'SecurityComplianceCenter',
      ClientIP: '203.0.113.12',
      ObjectId: 'q2',
      UserId: 'megan.bowen@contoso.com',
      SecurityComplianceCenterEventType: 0,
      CmdletVersion: '',
      Parameters: '-Name "q2" -ExchangeLocation "All" -ContentMatchQuery "password OR invoice"',
      NonPIIParameters: '-Name "<redacted>" -ExchangeLocation "All" -ContentMatchQuery "<redacted>"',
    };
    expect(normalizeRecord('Audit.General', search)).toMatchObject({
      ok: true,
      activity: { workload: 'SecurityComplianceCenter', operation: 'New-ComplianceSearch', recordType: 18, target: 'q2' },
    });
    expect(normalizeRecord('import', search)).toMatchObject({ ok: true });
    expect(normalizeRecord('Audit.Exchange', newInboxRule)).toMatchObject({ ok: true });
    // Neither a list nor a string: still quarantined with its reason.
    const result = normalizeRecord('Audit.General', { ...search, Parameters: 42 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/Parameters/);
  });

  test('an Exchange cmdlet whose target is only its Identity parameter reads it from either form', () => {
    const setMailbox = { ...newInboxRule, Operation: 'Set-Mailbox', ObjectId: '' };
    expect(normalizeRecord('Audit.Exchange', { ...setMailbox, Parameters: [{ Name: 'Identity', Value: 'megan@contoso.com' }] })).toMatchObject({
      ok: true,
      activity: { target: 'megan@contoso.com' },
    });
    expect(normalizeRecord('Audit.Exchange', { ...setMailbox, Parameters: '-Identity "megan@contoso.com" -DeliverToMailboxAndForward $true' })).toMatchObject({
      ok: true,
      activity: { target: 'megan@contoso.com' },
    });
  });

  test('unknown workloads use the common schema', () => {
    const teams = { ...userLoggedIn, Workload: 'MicrosoftTeams', Operation: 'MemberAdded', RecordType: 25, UserAgent: 'Teams/1.6' };
    expect(normalizeRecord('Audit.General', teams)).toMatchObject({
      ok: true,
      activity: { workload: 'MicrosoftTeams', operation: 'MemberAdded', userAgent: 'Teams/1.6' },
    });
  });
});

test('times written `YYYY-MM-DD HH:MM:SS` (Log Analytics, re-saved spreadsheets) read as UTC', () => {
  expect(parseUtc('2026-11-20 08:15:00')?.toISOString()).toBe('2026-11-20T08:15:00.000Z');
  expect(parseUtc('2026-11-20 08:15:00.1234567Z')?.toISOString()).toBe('2026-11-20T08:15:00.123Z');
  expect(parseUtc('20/11/2026 08:15')).toBeNull();
});
