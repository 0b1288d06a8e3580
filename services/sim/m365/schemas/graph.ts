/**
 * Graph v1.0 resources the collector reads: signIn, directoryAudit, security alert
 * (alerts_v2), riskDetection and riskyUser, with the property names, types and enum members of
 * the v1.0 resource pages. Evolvable enums list `unknownFutureValue`; members added after it are
 * only sent to clients that opt in, so the v1.0 members are the ones a collector sees.
 */
import { z } from 'zod';
import { bareIp, graphTime, guid } from './common.ts';

const RISK_LEVELS = ['low', 'medium', 'high', 'hidden', 'none', 'unknownFutureValue'] as const;
const RISK_STATES = ['none', 'confirmedSafe', 'remediated', 'dismissed', 'atRisk', 'confirmedCompromised', 'unknownFutureValue'] as const;
const RISK_DETAILS = [
  'none',
  'adminGeneratedTemporaryPassword',
  'userPerformedSecuredPasswordChange',
  'userPerformedSecuredPasswordReset',
  'adminConfirmedSigninSafe',
  'aiConfirmedSigninSafe',
  'userPassedMFADrivenByRiskBasedPolicy',
  'adminDismissedAllRiskForUser',
  'adminConfirmedSigninCompromised',
  'hidden',
  'adminConfirmedUserCompromised',
  'unknownFutureValue',
  'adminConfirmedServicePrincipalCompromised',
  'adminDismissedAllRiskForServicePrincipal',
  'm365DAdminDismissedDetection',
  'userChangedPasswordOnPremises',
  'adminDismissedRiskForSignIn',
  'adminConfirmedAccountSafe',
] as const;

const geoCoordinates = z.object({ altitude: z.number().nullable(), latitude: z.number().nullable(), longitude: z.number().nullable() }).loose();
const signInLocation = z
  .object({ city: z.string().nullable(), state: z.string().nullable(), countryOrRegion: z.string().nullable(), geoCoordinates: geoCoordinates.nullable() })
  .loose();

/** Properties of the beta signIn resource that v1.0 does not return: a client must not depend on them. */
const SIGN_IN_BETA_ONLY = [
  'userAgent',
  'authenticationDetails',
  'authenticationRequirement',
  'signInEventTypes',
  'uniqueTokenIdentifier',
  'tokenIssuerType',
] as const;

export const signIn = z
  .object({
    id: z.string().min(1),
    createdDateTime: graphTime,
    userDisplayName: z.string().nullable(),
    userPrincipalName: z.string().nullable(),
    userId: z.string(),
    appId: z.string(),
    appDisplayName: z.string().nullable(),
    ipAddress: bareIp,
    clientAppUsed: z.string().nullable(),
    correlationId: z.string().nullable(),
    conditionalAccessStatus: z.enum(['success', 'failure', 'notApplied', 'unknownFutureValue']),
    isInteractive: z.boolean(),
    riskDetail: z.enum(RISK_DETAILS),
    riskLevelAggregated: z.enum(RISK_LEVELS),
    riskLevelDuringSignIn: z.enum(RISK_LEVELS),
    riskState: z.enum(RISK_STATES),
    riskEventTypes: z.array(z.string()),
    riskEventTypes_v2: z.array(z.string()),
    resourceDisplayName: z.string().nullable(),
    resourceId: z.string().nullable(),
    status: z.object({ errorCode: z.number().int(), failureReason: z.string().nullable(), additionalDetails: z.string().nullable() }).loose(),
    deviceDetail: z
      .object({
        deviceId: z.string().nullable(),
        displayName: z.string().nullable(),
        operatingSystem: z.string().nullable(),
        browser: z.string().nullable(),
        isCompliant: z.boolean().nullable(),
        isManaged: z.boolean().nullable(),
        trustType: z.string().nullable(),
      })
      .loose(),
    location: signInLocation,
    appliedConditionalAccessPolicies: z.array(
      z
        .object({
          id: z.string(),
          displayName: z.string().nullable(),
          enforcedGrantControls: z.array(z.string()),
          enforcedSessionControls: z.array(z.string()),
          result: z.enum(['success', 'failure', 'notApplied', 'notEnabled', 'unknown', 'unknownFutureValue']),
        })
        .loose(),
    ),
  })
  .loose()
  .superRefine((r, ctx) => {
    for (const name of SIGN_IN_BETA_ONLY) {
      if (name in r) ctx.addIssue({ code: 'custom', path: [name], message: `${name} is a beta property; v1.0 signIn does not return it` });
    }
  });

const userIdentity = z
  .object({
    id: z.string().nullable(),
    displayName: z.string().nullable(),
    userPrincipalName: z.string().nullable(),
    ipAddress: z.string().nullable(),
    userType: z.string().nullable().optional(),
    homeTenantId: z.string().nullable().optional(),
    homeTenantName: z.string().nullable().optional(),
  })
  .loose();
const appIdentity = z
  .object({
    appId: z.string().nullable(),
    displayName: z.string().nullable(),
    servicePrincipalId: z.string().nullable(),
    servicePrincipalName: z.string().nullable(),
  })
  .loose();

export const directoryAudit = z
  .object({
    id: z.string().min(1),
    category: z.string(),
    correlationId: guid,
    result: z.enum(['success', 'failure', 'timeout', 'unknownFutureValue']),
    resultReason: z.string().nullable(),
    /** Unlike the audit log's Operation, without a trailing period: `Add member to role`. */
    activityDisplayName: z.string().regex(/[^.]$/, 'Graph activityDisplayName has no trailing period'),
    activityDateTime: graphTime,
    loggedByService: z.string().nullable(),
    operationType: z.string().nullable(),
    initiatedBy: z.object({ user: userIdentity.nullable().optional(), app: appIdentity.nullable().optional() }).loose(),
    targetResources: z.array(
      z
        .object({
          id: z.string().nullable(),
          displayName: z.string().nullable(),
          type: z.string().nullable(),
          userPrincipalName: z.string().nullable(),
          groupType: z.enum(['unifiedGroups', 'azureAD', 'unknownFutureValue']).nullable().optional(),
          modifiedProperties: z.array(z.object({ displayName: z.string(), oldValue: z.string().nullable(), newValue: z.string().nullable() }).loose()),
        })
        .loose(),
    ),
    additionalDetails: z.array(z.object({ key: z.string(), value: z.string().nullable() }).loose()),
  })
  .loose()
  .superRefine((r, ctx) => {
    if (!r.initiatedBy.user && !r.initiatedBy.app) ctx.addIssue({ code: 'custom', path: ['initiatedBy'], message: 'initiatedBy names a user or an app' });
  });

const ALERT_SERVICE_SOURCES = [
  'unknown',
  'microsoftDefenderForEndpoint',
  'microsoftDefenderForIdentity',
  'microsoftDefenderForCloudApps',
  'microsoftDefenderForOffice365',
  'microsoft365Defender',
  'azureAdIdentityProtection',
  'microsoftAppGovernance',
  'dataLossPrevention',
  'unknownFutureValue',
  'microsoftDefenderForCloud',
  'microsoftSentinel',
  'microsoftInsiderRiskManagement',
] as const;
const ALERT_DETECTION_SOURCES = [
  'unknown',
  'microsoftDefenderForEndpoint',
  'antivirus',
  'smartScreen',
  'customTi',
  'microsoftDefenderForOffice365',
  'automatedInvestigation',
  'microsoftThreatExperts',
  'customDetection',
  'microsoftDefenderForIdentity',
  'cloudAppSecurity',
  'microsoft365Defender',
  'azureAdIdentityProtection',
  'manual',
  'microsoftDataLossPrevention',
  'appGovernancePolicy',
  'appGovernanceDetection',
  'unknownFutureValue',
  'microsoftDefenderForCloud',
  'microsoftDefenderForIoT',
  'microsoftDefenderForServers',
  'microsoftDefenderForStorage',
  'microsoftDefenderForDNS',
  'microsoftDefenderForDatabases',
  'microsoftDefenderForContainers',
  'microsoftDefenderForNetwork',
  'microsoftDefenderForAppService',
  'microsoftDefenderForKeyVault',
  'microsoftDefenderForResourceManager',
  'microsoftDefenderForApiManagement',
  'nrtAlerts',
  'scheduledAlerts',
  'microsoftDefenderThreatIntelligenceAnalytics',
  'builtInMl',
  'microsoftInsiderRiskManagement',
  'microsoftSentinel',
] as const;

const alertEvidence = z
  .object({
    '@odata.type': z.string().regex(/^#microsoft\.graph\.security\.\w+Evidence$/, 'expected #microsoft.graph.security.<kind>Evidence'),
    createdDateTime: graphTime,
    verdict: z.enum(['unknown', 'suspicious', 'malicious', 'noThreatsFound', 'unknownFutureValue']),
    remediationStatus: z.enum(['none', 'remediated', 'prevented', 'blocked', 'notFound', 'unknownFutureValue']),
    remediationStatusDetails: z.string().nullable().optional(),
    roles: z.array(z.string()),
    tags: z.array(z.string()),
  })
  .loose();

/** security/alerts_v2 item (microsoft.graph.security.alert). */
export const alert = z
  .object({
    id: z.string().min(1),
    providerAlertId: z.string().nullable(),
    incidentId: z.string().nullable(),
    status: z.enum(['unknown', 'new', 'inProgress', 'resolved', 'unknownFutureValue']),
    severity: z.enum(['unknown', 'informational', 'low', 'medium', 'high', 'unknownFutureValue']),
    classification: z.enum(['unknown', 'falsePositive', 'truePositive', 'informationalExpectedActivity', 'unknownFutureValue']).nullable(),
    determination: z
      .enum([
        'unknown',
        'apt',
        'malware',
        'securityPersonnel',
        'securityTesting',
        'unwantedSoftware',
        'other',
        'multiStagedAttack',
        'compromisedAccount',
        'phishing',
        'maliciousUserActivity',
        'notMalicious',
        'notEnoughDataToValidate',
        'confirmedUserActivity',
        'lineOfBusinessApplication',
        'unknownFutureValue',
      ])
      .nullable(),
    serviceSource: z.enum(ALERT_SERVICE_SOURCES),
    detectionSource: z.enum(ALERT_DETECTION_SOURCES),
    detectorId: z.string().nullable(),
    tenantId: guid,
    title: z.string(),
    description: z.string().nullable(),
    recommendedActions: z.string().nullable(),
    category: z.string().nullable(),
    assignedTo: z.string().nullable(),
    alertWebUrl: z.string().nullable(),
    incidentWebUrl: z.string().nullable(),
    actorDisplayName: z.string().nullable(),
    threatDisplayName: z.string().nullable(),
    threatFamilyName: z.string().nullable(),
    mitreTechniques: z.array(z.string()),
    createdDateTime: graphTime,
    lastUpdateDateTime: graphTime,
    resolvedDateTime: graphTime.nullable(),
    firstActivityDateTime: graphTime.nullable(),
    lastActivityDateTime: graphTime.nullable(),
    comments: z.array(z.object({ comment: z.string(), createdByDisplayName: z.string().nullable(), createdDateTime: graphTime }).loose()),
    evidence: z.array(alertEvidence),
    systemTags: z.array(z.string()).nullable().optional(),
  })
  .loose();

export const riskDetection = z
  .object({
    id: z.string().min(1),
    requestId: z.string().nullable(),
    correlationId: z.string().nullable(),
    riskEventType: z.string().min(1),
    riskState: z.enum(RISK_STATES),
    riskLevel: z.enum(RISK_LEVELS),
    riskDetail: z.enum(RISK_DETAILS),
    source: z.string().nullable(),
    detectionTimingType: z.enum(['notDefined', 'realtime', 'nearRealtime', 'offline', 'unknownFutureValue']),
    activity: z.enum(['signin', 'user', 'unknownFutureValue']),
    tokenIssuerType: z.enum(['AzureAD', 'ADFederationServices', 'UnknownFutureValue']),
    ipAddress: z.string().nullable(),
    location: signInLocation.nullable(),
    activityDateTime: graphTime,
    detectedDateTime: graphTime,
    lastUpdatedDateTime: graphTime,
    userId: z.string(),
    userDisplayName: z.string().nullable(),
    userPrincipalName: z.string().nullable(),
    /** A JSON string, not an object: `[{"Key":"userAgent","Value":"…"}]`. */
    additionalInfo: z
      .string()
      .nullable()
      .refine((v) => v === null || isKeyValueJson(v), 'additionalInfo is a JSON string of [{"Key","Value"}]'),
  })
  .loose();

function isKeyValueJson(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.every((e) => e !== null && typeof e === 'object' && 'Key' in e && 'Value' in e);
  } catch {
    return false;
  }
}

export const riskyUser = z
  .object({
    id: z.string().min(1),
    isDeleted: z.boolean(),
    isProcessing: z.boolean(),
    riskLastUpdatedDateTime: graphTime,
    riskLevel: z.enum(RISK_LEVELS),
    riskState: z.enum(RISK_STATES),
    riskDetail: z.enum(RISK_DETAILS),
    userDisplayName: z.string().nullable(),
    userPrincipalName: z.string().nullable(),
  })
  .loose();

/** The Graph collections the collector reads, by the name of their activity source. */
export const GRAPH_SCHEMAS = {
  'graph.signIns': signIn,
  'graph.directoryAudits': directoryAudit,
  'graph.alerts_v2': alert,
  'graph.riskDetections': riskDetection,
  'graph.riskyUsers': riskyUser,
} as const;
export type GraphSource = keyof typeof GRAPH_SCHEMAS;
