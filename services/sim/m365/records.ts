/**
 * Record shapes as Microsoft documents them (Graph v1.0 resources and the Management
 * Activity API common schema). Fields the simulator never reads stay open-ended
 * (`[key: string]: unknown`) so scenarios can carry every documented property verbatim.
 */

export interface GraphUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail: string | null;
  accountEnabled: boolean;
  createdDateTime: string;
  lastPasswordChangeDateTime: string | null;
  otherMails: string[];
  assignedLicenses: { skuId: string; disabledPlans: string[] }[];
  userType: 'Member' | 'Guest';
  givenName: string | null;
  surname: string | null;
  jobTitle: string | null;
  mobilePhone: string | null;
  officeLocation: string | null;
  preferredLanguage: string | null;
  businessPhones: string[];
  usageLocation: string | null;
  signInActivity: {
    lastSignInDateTime: string | null;
    lastSignInRequestId: string | null;
    lastNonInteractiveSignInDateTime: string | null;
    lastNonInteractiveSignInRequestId: string | null;
    lastSuccessfulSignInDateTime: string | null;
    lastSuccessfulSignInRequestId: string | null;
  };
  [key: string]: unknown;
}

export interface GeoCoordinates {
  altitude: number | null;
  latitude: number | null;
  longitude: number | null;
}

export interface SignIn {
  id: string;
  createdDateTime: string;
  userDisplayName: string;
  userPrincipalName: string;
  userId: string;
  appId: string;
  appDisplayName: string;
  ipAddress: string;
  clientAppUsed: string;
  correlationId: string;
  conditionalAccessStatus: 'success' | 'failure' | 'notApplied' | 'unknownFutureValue';
  isInteractive: boolean;
  riskDetail: string;
  riskLevelAggregated: string;
  riskLevelDuringSignIn: string;
  riskState: string;
  riskEventTypes: string[];
  riskEventTypes_v2: string[];
  resourceDisplayName: string;
  resourceId: string;
  status: { errorCode: number; failureReason: string | null; additionalDetails: string | null };
  deviceDetail: {
    deviceId: string;
    displayName: string | null;
    operatingSystem: string;
    browser: string;
    isCompliant: boolean | null;
    isManaged: boolean | null;
    trustType: string | null;
  };
  location: { city: string | null; state: string | null; countryOrRegion: string | null; geoCoordinates: GeoCoordinates };
  appliedConditionalAccessPolicies: {
    id: string;
    displayName: string;
    enforcedGrantControls: string[];
    enforcedSessionControls: string[];
    result: string;
  }[];
  [key: string]: unknown;
}

export interface DirectoryAudit {
  id: string;
  category: string;
  correlationId: string;
  result: 'success' | 'failure' | 'timeout' | 'unknownFutureValue';
  resultReason: string;
  activityDisplayName: string;
  activityDateTime: string;
  loggedByService: string;
  operationType: string;
  initiatedBy: {
    user: {
      id: string;
      displayName: string | null;
      userPrincipalName: string;
      ipAddress: string;
      userType?: string | null;
      homeTenantId?: string | null;
      homeTenantName?: string | null;
    } | null;
    app: { appId: string | null; displayName: string; servicePrincipalId: string; servicePrincipalName: string | null } | null;
  };
  targetResources: {
    id: string;
    displayName: string | null;
    type: string;
    userPrincipalName: string | null;
    groupType?: string | null;
    modifiedProperties: { displayName: string; oldValue: string | null; newValue: string | null }[];
  }[];
  additionalDetails: { key: string; value: string }[];
  [key: string]: unknown;
}

export interface SecurityAlert {
  id: string;
  createdDateTime: string;
  lastUpdateDateTime: string;
  severity: string;
  status: string;
  serviceSource: string;
  title: string;
  [key: string]: unknown;
}

export interface RiskDetection {
  id: string;
  activityDateTime: string;
  detectedDateTime: string;
  lastUpdatedDateTime: string;
  riskEventType: string;
  userId: string;
  userPrincipalName: string;
  [key: string]: unknown;
}

export interface RiskyUser {
  id: string;
  riskLastUpdatedDateTime: string;
  riskLevel: string;
  riskState: string;
  userPrincipalName: string;
  [key: string]: unknown;
}

/** One Management Activity API audit record (common schema plus workload fields). */
export interface AuditRecord {
  Id: string;
  RecordType: number;
  /** UTC without a zone designator, e.g. `2023-07-23T06:25:34`. */
  CreationTime: string;
  Operation: string;
  OrganizationId: string;
  UserType: number;
  UserKey: string;
  Workload: string;
  UserId: string;
  ClientIP?: string | null;
  [key: string]: unknown;
}

export const CONTENT_TYPES = ['Audit.AzureActiveDirectory', 'Audit.Exchange', 'Audit.SharePoint', 'Audit.General', 'DLP.All'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

export function isContentType(value: string): value is ContentType {
  return (CONTENT_TYPES as readonly string[]).includes(value);
}

/** Which feed a record belongs to, from its workload: how Microsoft routes records into content types. */
export function contentTypeForRecord(record: AuditRecord): ContentType {
  switch (record.Workload) {
    case 'AzureActiveDirectory':
      return 'Audit.AzureActiveDirectory';
    case 'Exchange':
      return 'Audit.Exchange';
    case 'SharePoint':
    case 'OneDrive':
      return 'Audit.SharePoint';
    default:
      return 'Audit.General';
  }
}
