import { describe, expect, test } from 'vitest';
import { CLIENT_IP_FORMS, clientIpFormOf, validateAuditRecord, validateGraphRecord, type ClientIpForm } from './index.ts';

// Verbatim captured records from shared/protocols.md (§1 "Verbatim examples", §2 signin-list example 1).
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
  DeviceProperties: [
    { Name: 'OS', Value: 'Windows 10' },
    { Name: 'BrowserType', Value: 'Other' },
    { Name: 'IsCompliantAndManaged', Value: 'False' },
    { Name: 'SessionId', Value: 'd44730a8-bafe-475d-abcd-e87c52a76417' },
  ],
  ErrorNumber: '0',
};
const userLoginFailed = {
  ...userLoggedIn,
  Operation: 'UserLoginFailed',
  ResultStatus: 'Failed',
  ExtendedProperties: [{ Name: 'ResultStatusDetail', Value: 'UserError' }, ...userLoggedIn.ExtendedProperties.slice(1)],
  ErrorNumber: '50126',
  LogonError: 'InvalidUserNameOrPassword',
};
// The elastic fixture with the live API's ints instead of the fixture's stringified numbers.
const anonymousLinkCreated = {
  ClientIP: '67.43.156.13',
  CorrelationId: 'fe71359f-005f-9000-7cb1-ccf5124703db',
  CreationTime: '2020-02-14T18:25:45',
  EventData: '<Type>Edit</Type>',
  EventSource: 'SharePoint',
  Id: '1cb54d72-3a76-4a7c-7b3d-08d7b17b4ec9',
  ItemType: 'File',
  ListId: '2b6ad2bd-0fd7-4556-9c89-a97847085b85',
  ListItemUniqueId: '7f06ab3a-bd98-41d3-a0b2-ad270d71e4d8',
  ObjectId: 'https://testsiem-my.sharepoint.com/personal/asr_testsiem_onmicrosoft_com/Documents/Screenshot.png',
  Operation: 'AnonymousLinkCreated',
  OrganizationId: 'b86ab9d4-fcf1-4b11-8a06-7a8f91b47fbd',
  RecordType: 14,
  Site: 'd5180cfc-3479-44d6-b410-8c985ac894e3',
  SiteUrl: 'https://testsiem-my.sharepoint.com/personal/asr_testsiem_onmicrosoft_com',
  SourceFileExtension: 'png',
  SourceFileName: 'Screenshot.png',
  SourceRelativeUrl: 'Documents/Screenshot.png',
  UniqueSharingId: 'd323b5ea-ceca-4d65-a628-e22ca9296a76',
  UserAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.14; rv:73.0) Gecko/20100101 Firefox/73.0',
  UserId: 'asr@testsiem.onmicrosoft.com',
  UserKey: 'i:0h.f|membership|1003200096971f55@live.com',
  UserType: 0,
  Version: 1,
  WebId: '8c5c94bb-8396-470c-87d7-8999f440cd30',
  Workload: 'OneDrive',
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
  correlationId: 'd79f5bee-5860-4832-928f-3133e22ae912',
  conditionalAccessStatus: 'notApplied',
  isInteractive: true,
  riskDetail: 'none',
  riskLevelAggregated: 'none',
  riskLevelDuringSignIn: 'none',
  riskState: 'none',
  riskEventTypes: [],
  riskEventTypes_v2: [],
  resourceDisplayName: 'Microsoft Graph',
  resourceId: '00000003-0000-0000-c000-000000000000',
  status: { errorCode: 0, failureReason: null, additionalDetails: null },
  deviceDetail: {
    deviceId: '',
    displayName: null,
    operatingSystem: 'Windows 10',
    browser: 'Edge 80.0.361',
    isCompliant: null,
    isManaged: null,
    trustType: null,
  },
  location: {
    city: 'Redmond',
    state: 'Washington',
    countryOrRegion: 'US',
    geoCoordinates: { altitude: null, latitude: 47.68050003051758, longitude: -122.12094116210938 },
  },
  appliedConditionalAccessPolicies: [
    {
      id: 'de7e60eb-ed89-4d73-8205-2227def6b7c9',
      displayName: 'SharePoint limited access for guest workers',
      enforcedGrantControls: [],
      enforcedSessionControls: [],
      result: 'notEnabled',
    },
  ],
};

describe('captured records validate', () => {
  test.each([
    ['New-InboxRule', newInboxRule, 'ExchangeAdmin'],
    ['UserLoggedIn', userLoggedIn, 'AzureActiveDirectoryStsLogon'],
    ['UserLoginFailed', userLoginFailed, 'AzureActiveDirectoryStsLogon'],
    ['AnonymousLinkCreated', anonymousLinkCreated, 'SharePointSharingOperation'],
    ['an unknown workload against the common schema', { ...newInboxRule, RecordType: 25, Workload: 'MicrosoftTeams', Operation: 'MemberAdded' }, 'Common'],
  ] as const)('%s', (_name, record, schema) => {
    expect(validateAuditRecord(record)).toEqual({ ok: true, schema });
  });

  test('Graph signIn (signin-list example 1)', () => {
    expect(validateGraphRecord('graph.signIns', graphSignIn)).toEqual({ ok: true, schema: 'graph.signIns' });
  });
});

describe('what the schemas reject', () => {
  test.each([
    ['CreationTime with a zone', { ...newInboxRule, CreationTime: '2024-02-04T22:49:32Z' }, 'CreationTime', /no zone/],
    ['CreationTime with a fraction', { ...newInboxRule, CreationTime: '2024-02-04T22:49:32.123' }, 'CreationTime', /no zone, no fraction/],
    ['RecordType as a string (export form)', { ...newInboxRule, RecordType: '1' }, 'RecordType', /number/],
    ['UserType out of the enum', { ...newInboxRule, UserType: 11 }, 'UserType', /<=10/],
    ['Id not a GUID', { ...newInboxRule, Id: 'abc' }, 'Id', /GUID/],
    ['an unknown ClientIP form', { ...newInboxRule, ClientIP: '154.66.247.79:99999' }, 'ClientIP', /ClientIP form/],
    ['Exchange ResultStatus as Success', { ...newInboxRule, ResultStatus: 'Success' }, 'ResultStatus', /True/],
    [
      'a cmdlet parameter value that is not a string',
      { ...newInboxRule, Parameters: [{ Name: 'DeleteMessage', Value: true }] },
      'Parameters.0.Value',
      /string/,
    ],
    ['ExternalAccess as a string', { ...newInboxRule, ExternalAccess: 'false' }, 'ExternalAccess', /boolean/],
    ['a workload that does not match the RecordType', { ...userLoggedIn, Workload: 'Exchange' }, 'Workload', /AzureActiveDirectory/],
    ['an STS logon with a port', { ...userLoggedIn, ClientIP: '203.0.113.5:4431', ActorIpAddress: '203.0.113.5:4431' }, 'ClientIP', /bare/],
    ['ActorIpAddress not ClientIP', { ...userLoggedIn, ActorIpAddress: '203.0.113.9' }, 'ActorIpAddress', /differs/],
    ['ErrorNumber as a number', { ...userLoginFailed, ErrorNumber: 50126 }, 'ErrorNumber', /string/],
    ['a failure without LogonError', { ...userLoginFailed, LogonError: undefined }, 'LogonError', /LogonError/],
    ['a failure with ErrorNumber 0', { ...userLoginFailed, ErrorNumber: '0' }, 'ErrorNumber', /error number/],
    ['a success with an error', { ...userLoggedIn, ErrorNumber: '50126' }, 'ErrorNumber', /"0"/],
    ['ItemType as a number', { ...anonymousLinkCreated, ItemType: 1 }, 'ItemType', /File/],
    ['SiteUrl not a URL', { ...anonymousLinkCreated, SiteUrl: '/personal/asr' }, 'SiteUrl', /https/],
  ] as const)('%s', (_name, record, path, message) => {
    const result = validateAuditRecord(record);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  test('an Azure AD directory operation without its trailing period', () => {
    const record = { ...userLoggedIn, RecordType: 8, Operation: 'Add member to role', ApplicationId: undefined };
    const result = validateAuditRecord(record);
    expect(result).toMatchObject({ ok: false, schema: 'AzureActiveDirectory', issues: [{ path: 'Operation', message: expect.stringMatching(/period/) }] });
    expect(validateAuditRecord({ ...record, Operation: 'Add member to role.' })).toEqual({ ok: true, schema: 'AzureActiveDirectory' });
  });

  test('a compliance cmdlet with Exchange-style parameters', () => {
    const record = { ...newInboxRule, RecordType: 18, Workload: 'SecurityComplianceCenter', Operation: 'New-ComplianceSearch' };
    expect(validateAuditRecord(record)).toMatchObject({ ok: false, issues: [{ path: 'Parameters', message: expect.stringMatching(/one string/) }] });
    expect(validateAuditRecord({ ...record, Parameters: '-Name "q2" -ExchangeLocation "All"' })).toMatchObject({ ok: true });
  });

  test.each([
    ['graph.signIns', { ...graphSignIn, createdDateTime: '2020-03-13T19:15:41' }, 'createdDateTime'],
    ['graph.signIns', { ...graphSignIn, userAgent: 'Mozilla/5.0' }, 'userAgent'],
    ['graph.signIns', { ...graphSignIn, status: { errorCode: '0', failureReason: null, additionalDetails: null } }, 'status.errorCode'],
    ['graph.signIns', { ...graphSignIn, riskLevelDuringSignIn: 'severe' }, 'riskLevelDuringSignIn'],
    ['graph.riskDetections', { id: 'x', riskEventType: 'leakedCredentials', additionalInfo: [{ Key: 'userAgent', Value: 'x' }] }, 'additionalInfo'],
  ] as const)('%s with a wrong %s', (source, record, path) => {
    const result = validateGraphRecord(source, record);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.path)).toContain(path);
  });
});

describe('ClientIP forms', () => {
  const examples: [string, ClientIpForm | null][] = [
    ['1.2.3.4', 'ipv4'],
    ['1.2.3.4:51000', 'ipv4-port'],
    ['[1.2.3.4]', 'ipv4-bracketed'],
    ['[1.2.3.4]:12345', 'ipv4-bracketed-port'],
    ['2001:db8::abcd', 'ipv6'],
    ['[2001:db8::abcd]', 'ipv6-bracketed'],
    ['[2a09:bac5:114:105::1a:9b]:54809', 'ipv6-bracketed-port'],
    ['::ffff:10.11.12.13', 'ipv4-mapped'],
    ['[::ffff:10.11.12.13]:12345', 'ipv4-mapped-bracketed-port'],
    ['', 'empty'],
    ['localhost:12345', 'hostname-port'],
    ['1.2.3.4:', null],
    ['[1.2.3.4]:70000', null],
    ['2001:db8::abcd:443x', null],
    ['not an address', null],
  ];
  test.each(examples)('%j is %s', (value, form) => {
    expect(clientIpFormOf(value)).toBe(form);
  });
  test('every named form has an example', () => {
    expect(new Set(examples.map(([, f]) => f).filter(Boolean))).toEqual(new Set(CLIENT_IP_FORMS));
  });
});
