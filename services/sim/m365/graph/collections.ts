/**
 * The Graph v1.0 collections the simulator serves, each described once: where its records
 * live in state, how it sorts, which fields filter, page sizes and the permissions it needs.
 */
import type { SimTenant, Timed } from '../state.ts';
import type { FieldType } from './odata.ts';
import type { GraphErrorSpec } from './errors.ts';

export interface Collection {
  /** Path under /v1.0 and the `@odata.context` fragment. */
  path: string;
  entityType: string;
  /** Records with the simulated instant from which they are visible. */
  records(tenant: SimTenant): Timed<Record<string, unknown>>[];
  sortField: string;
  sortType: 'datetime' | 'string';
  defaultDescending: boolean;
  defaultPageSize: number;
  maxPageSize: number;
  filterable: Record<string, FieldType>;
  /** Properties a client may $select. */
  properties: readonly string[];
  /** Properties returned when no $select is given (all when undefined). */
  defaultProperties?: readonly string[];
  /** Any one of these application permissions grants read access. */
  anyOfRoles: readonly string[];
  missingRole(roles: string[]): GraphErrorSpec;
  /** Graph's error code for a rejected query on this resource family. */
  badRequestCode: string;
  supportsCount: boolean;
  /** Whether `$skip` is accepted (alerts_v2 documents `$top=100&$skip=200`). */
  supportsSkip?: boolean;
  /** Extra permission or page-size rules for particular $select values (users' signInActivity). */
  selectRules?: (selected: string[], roles: string[]) => { maxPageSize?: number; error?: GraphErrorSpec };
}

const always = <T>(value: T): Timed<Record<string, unknown>> => ({ availableAt: Number.NEGATIVE_INFINITY, value: value as Record<string, unknown> });
const asRecords = <T>(items: Timed<T>[]): Timed<Record<string, unknown>>[] => items as unknown as Timed<Record<string, unknown>>[];

const auditLogDenied = (): GraphErrorSpec => ({
  status: 403,
  code: 'Authentication_MSGraphPermissionMissing',
  message: 'Calling principal does not have required MSGraph permissions AuditLog.Read.All',
});

export const SIGN_IN_PROPERTIES = [
  'id', 'createdDateTime', 'userDisplayName', 'userPrincipalName', 'userId', 'appId', 'appDisplayName', 'ipAddress', 'clientAppUsed', 'userAgent',
  'correlationId', 'conditionalAccessStatus', 'isInteractive', 'riskDetail', 'riskLevelAggregated', 'riskLevelDuringSignIn', 'riskState',
  'riskEventTypes', 'riskEventTypes_v2', 'resourceDisplayName', 'resourceId', 'status', 'deviceDetail', 'location', 'appliedConditionalAccessPolicies',
] as const;

export const USER_PROPERTIES = [
  'id', 'displayName', 'userPrincipalName', 'mail', 'accountEnabled', 'createdDateTime', 'lastPasswordChangeDateTime', 'otherMails',
  'assignedLicenses', 'userType', 'givenName', 'surname', 'jobTitle', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'businessPhones',
  'usageLocation', 'signInActivity', 'department', 'city', 'country', 'companyName', 'employeeId', 'passwordProfile', 'signInSessionsValidFromDateTime',
] as const;

const directoryDenied = (): GraphErrorSpec => ({ status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
const DIRECTORY_READ = ['Directory.Read.All', 'Directory.ReadWrite.All'];

export const SERVICE_PRINCIPAL_PROPERTIES = [
  'id', 'appId', 'displayName', 'appDisplayName', 'appDescription', 'description', 'accountEnabled', 'appOwnerOrganizationId', 'publisherName',
  'verifiedPublisher', 'servicePrincipalType', 'signInAudience', 'homepage', 'replyUrls', 'tags', 'appRoles', 'oauth2PermissionScopes', 'deletedDateTime',
] as const;

export const COLLECTIONS: Collection[] = [
  {
    path: 'users',
    entityType: 'microsoft.graph.user',
    records: (t) => t.users.map(always),
    sortField: 'id',
    sortType: 'string',
    defaultDescending: false,
    defaultPageSize: 100,
    maxPageSize: 999,
    filterable: { id: 'string', userPrincipalName: 'string', displayName: 'string', mail: 'string', accountEnabled: 'boolean', createdDateTime: 'datetime', userType: 'string', 'signInActivity/lastSignInDateTime': 'datetime' },
    properties: USER_PROPERTIES,
    // Graph's default user projection; signInActivity and most others need $select.
    defaultProperties: ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'],
    anyOfRoles: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
    missingRole: () => ({ status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' }),
    badRequestCode: 'Request_UnsupportedQuery',
    supportsCount: false,
    selectRules: (selected, roles) => {
      if (!selected.includes('signInActivity')) return {};
      if (!roles.includes('AuditLog.Read.All')) return { error: auditLogDenied() };
      return { maxPageSize: 500 };
    },
  },
  {
    path: 'auditLogs/signIns',
    entityType: 'microsoft.graph.signIn',
    records: (t) => asRecords(t.signIns),
    sortField: 'createdDateTime',
    sortType: 'datetime',
    defaultDescending: true,
    defaultPageSize: 1000,
    maxPageSize: 1000,
    filterable: {
      id: 'string', createdDateTime: 'datetime', userId: 'string', userPrincipalName: 'string', userDisplayName: 'string', appId: 'string',
      appDisplayName: 'string', ipAddress: 'string', clientAppUsed: 'string', conditionalAccessStatus: 'string', isInteractive: 'boolean',
      'status/errorCode': 'number', 'location/countryOrRegion': 'string', 'location/city': 'string', riskLevelDuringSignIn: 'string', riskState: 'string', correlationId: 'string',
    },
    properties: SIGN_IN_PROPERTIES,
    anyOfRoles: ['AuditLog.Read.All'],
    missingRole: auditLogDenied,
    badRequestCode: 'BadRequest',
    supportsCount: false,
  },
  {
    path: 'auditLogs/directoryAudits',
    entityType: 'microsoft.graph.directoryAudit',
    records: (t) => asRecords(t.directoryAudits),
    sortField: 'activityDateTime',
    sortType: 'datetime',
    defaultDescending: true,
    defaultPageSize: 1000,
    maxPageSize: 1000,
    filterable: {
      id: 'string', activityDateTime: 'datetime', activityDisplayName: 'string', category: 'string', correlationId: 'string', loggedByService: 'string',
      result: 'string', operationType: 'string', 'initiatedBy/user/id': 'string', 'initiatedBy/user/userPrincipalName': 'string', 'initiatedBy/app/appId': 'string',
    },
    properties: ['id', 'category', 'correlationId', 'result', 'resultReason', 'activityDisplayName', 'activityDateTime', 'loggedByService', 'operationType', 'initiatedBy', 'targetResources', 'additionalDetails'],
    anyOfRoles: ['AuditLog.Read.All'],
    missingRole: auditLogDenied,
    badRequestCode: 'BadRequest',
    supportsCount: false,
  },
  {
    path: 'security/alerts_v2',
    entityType: 'microsoft.graph.security.alert',
    records: (t) => asRecords(t.alerts),
    sortField: 'createdDateTime',
    sortType: 'datetime',
    defaultDescending: true,
    defaultPageSize: 2000,
    maxPageSize: 2000,
    filterable: { createdDateTime: 'datetime', lastUpdateDateTime: 'datetime', severity: 'string', status: 'string', serviceSource: 'string', classification: 'string', determination: 'string', assignedTo: 'string' },
    properties: [
      'id', 'providerAlertId', 'incidentId', 'status', 'severity', 'classification', 'determination', 'serviceSource', 'detectionSource', 'detectorId', 'tenantId',
      'title', 'description', 'recommendedActions', 'category', 'assignedTo', 'alertWebUrl', 'incidentWebUrl', 'actorDisplayName', 'threatDisplayName',
      'threatFamilyName', 'mitreTechniques', 'createdDateTime', 'lastUpdateDateTime', 'resolvedDateTime', 'firstActivityDateTime', 'lastActivityDateTime',
      'comments', 'evidence', 'systemTags',
    ],
    anyOfRoles: ['SecurityAlert.Read.All', 'SecurityAlert.ReadWrite.All'],
    missingRole: (roles) => ({
      status: 403,
      code: 'Forbidden',
      message: `Missing application roles. API required roles: SecurityAlert.Read.All, SecurityAlert.ReadWrite.All. Application roles: ${roles.join(', ')}.`,
    }),
    badRequestCode: 'BadRequest',
    supportsCount: true,
    supportsSkip: true,
  },
  {
    path: 'identityProtection/riskDetections',
    entityType: 'microsoft.graph.riskDetection',
    records: (t) => asRecords(t.riskDetections),
    sortField: 'detectedDateTime',
    sortType: 'datetime',
    defaultDescending: true,
    defaultPageSize: 500,
    maxPageSize: 500,
    filterable: { activityDateTime: 'datetime', detectedDateTime: 'datetime', lastUpdatedDateTime: 'datetime', riskEventType: 'string', riskLevel: 'string', riskState: 'string', userId: 'string', userPrincipalName: 'string', ipAddress: 'string' },
    properties: [
      'id', 'requestId', 'correlationId', 'riskEventType', 'riskState', 'riskLevel', 'riskDetail', 'source', 'detectionTimingType', 'activity', 'tokenIssuerType',
      'ipAddress', 'location', 'activityDateTime', 'detectedDateTime', 'lastUpdatedDateTime', 'userId', 'userDisplayName', 'userPrincipalName', 'additionalInfo',
    ],
    anyOfRoles: ['IdentityRiskEvent.Read.All', 'IdentityRiskEvent.ReadWrite.All'],
    missingRole: () => ({ status: 403, code: 'accessDenied', message: 'Request Authorization failed' }),
    badRequestCode: 'BadRequest',
    supportsCount: false,
  },
  {
    path: 'servicePrincipals',
    entityType: 'microsoft.graph.servicePrincipal',
    records: (t) => t.directory.servicePrincipals.map(always),
    sortField: 'id',
    sortType: 'string',
    defaultDescending: false,
    defaultPageSize: 100,
    maxPageSize: 999,
    filterable: { id: 'string', appId: 'string', displayName: 'string', accountEnabled: 'boolean', servicePrincipalType: 'string', appOwnerOrganizationId: 'string', publisherName: 'string' },
    properties: SERVICE_PRINCIPAL_PROPERTIES,
    anyOfRoles: ['Application.Read.All', 'Application.ReadWrite.All', ...DIRECTORY_READ],
    missingRole: directoryDenied,
    badRequestCode: 'Request_UnsupportedQuery',
    supportsCount: false,
  },
  {
    path: 'oauth2PermissionGrants',
    entityType: 'microsoft.graph.oAuth2PermissionGrant',
    records: (t) => t.directory.oauth2PermissionGrants.map(always),
    sortField: 'id',
    sortType: 'string',
    defaultDescending: false,
    defaultPageSize: 100,
    maxPageSize: 999,
    filterable: { id: 'string', clientId: 'string', consentType: 'string', principalId: 'string', resourceId: 'string' },
    properties: ['id', 'clientId', 'consentType', 'principalId', 'resourceId', 'scope'],
    anyOfRoles: ['DelegatedPermissionGrant.Read.All', 'DelegatedPermissionGrant.ReadWrite.All', ...DIRECTORY_READ],
    missingRole: directoryDenied,
    badRequestCode: 'Request_UnsupportedQuery',
    supportsCount: false,
  },
  {
    path: 'subscribedSkus',
    entityType: 'microsoft.graph.subscribedSku',
    records: (t) => t.directory.subscribedSkus.map((sku) => always({ ...sku, consumedUnits: t.users.filter((u) => u.assignedLicenses.some((l) => l.skuId === sku.skuId)).length })),
    sortField: 'id',
    sortType: 'string',
    defaultDescending: false,
    defaultPageSize: 999,
    maxPageSize: 999,
    filterable: {},
    properties: ['id', 'accountId', 'accountName', 'skuId', 'skuPartNumber', 'appliesTo', 'capabilityStatus', 'consumedUnits', 'prepaidUnits', 'servicePlans'],
    anyOfRoles: ['Organization.Read.All', 'Organization.ReadWrite.All', 'LicenseAssignment.Read.All', ...DIRECTORY_READ],
    missingRole: directoryDenied,
    badRequestCode: 'Request_UnsupportedQuery',
    supportsCount: false,
  },
  {
    path: 'reports/authenticationMethods/userRegistrationDetails',
    entityType: 'microsoft.graph.userRegistrationDetails',
    records: (t) => t.directory.registrationDetails.map(always),
    sortField: 'id',
    sortType: 'string',
    defaultDescending: false,
    defaultPageSize: 1000,
    maxPageSize: 1000,
    filterable: { id: 'string', userPrincipalName: 'string', userDisplayName: 'string', isAdmin: 'boolean', isMfaRegistered: 'boolean', isMfaCapable: 'boolean', userType: 'string' },
    properties: [
      'id', 'userPrincipalName', 'userDisplayName', 'userType', 'isAdmin', 'isSsprRegistered', 'isSsprEnabled', 'isSsprCapable', 'isMfaRegistered', 'isMfaCapable',
      'isPasswordlessCapable', 'isSystemPreferredAuthenticationMethodEnabled', 'methodsRegistered', 'systemPreferredAuthenticationMethods',
      'userPreferredMethodForSecondaryAuthentication', 'lastUpdatedDateTime',
    ],
    anyOfRoles: ['AuditLog.Read.All', 'UserAuthenticationMethod.Read.All'],
    missingRole: auditLogDenied,
    badRequestCode: 'BadRequest',
    supportsCount: false,
  },
  {
    path: 'identityProtection/riskyUsers',
    entityType: 'microsoft.graph.riskyUser',
    records: (t) => asRecords(t.riskyUsers),
    sortField: 'riskLastUpdatedDateTime',
    sortType: 'datetime',
    defaultDescending: true,
    defaultPageSize: 500,
    maxPageSize: 500,
    filterable: { riskLastUpdatedDateTime: 'datetime', riskLevel: 'string', riskState: 'string', riskDetail: 'string', userPrincipalName: 'string', id: 'string' },
    properties: ['id', 'isDeleted', 'isProcessing', 'riskLastUpdatedDateTime', 'riskLevel', 'riskState', 'riskDetail', 'userDisplayName', 'userPrincipalName'],
    anyOfRoles: ['IdentityRiskyUser.Read.All', 'IdentityRiskyUser.ReadWrite.All'],
    missingRole: () => ({ status: 403, code: 'accessDenied', message: 'Request Authorization failed' }),
    badRequestCode: 'BadRequest',
    supportsCount: false,
  },
];
