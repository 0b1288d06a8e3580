/**
 * Building blocks shared by the Management Activity API and Graph schemas: identifiers, the
 * two time formats, the ClientIP renderings, and the common schema every audit record follows
 * (Microsoft's "Office 365 Management Activity API schema", Common schema). Objects are
 * `.loose()`: Microsoft adds fields without notice, so unknown properties are allowed while
 * the documented ones are checked for type and value.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const guid = z.string().regex(GUID, 'expected a GUID');

function isRealInstant(text: string): boolean {
  return Number.isFinite(Date.parse(text));
}

/** Audit-log times: UTC with no zone designator and no fraction, `2023-07-23T06:25:34`. */
export const ualTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/, 'expected UTC time as YYYY-MM-DDTHH:MM:SS (no zone, no fraction)')
  .refine((v) => isRealInstant(`${v}Z`), 'not a real date and time');

/** Graph `Edm.DateTimeOffset`: ISO 8601 in UTC with `Z` and up to seven fractional digits. */
export const graphTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/, 'expected ISO 8601 UTC time ending in Z')
  .refine((v) => isRealInstant(v.replace(/(\.\d{3})\d+Z$/, '$1Z')), 'not a real date and time');

/**
 * The renderings of ClientIP seen in Management Activity API records (protocols.md, "ClientIP
 * formats seen"), by name. `null` when the text is none of them.
 */
export type ClientIpForm =
  | 'ipv4'
  | 'ipv4-port'
  | 'ipv4-bracketed'
  | 'ipv4-bracketed-port'
  | 'ipv6'
  | 'ipv6-bracketed'
  | 'ipv6-bracketed-port'
  | 'ipv4-mapped'
  | 'ipv4-mapped-bracketed-port'
  | 'empty'
  | 'hostname-port';

export const CLIENT_IP_FORMS: readonly ClientIpForm[] = [
  'ipv4',
  'ipv4-port',
  'ipv4-bracketed',
  'ipv4-bracketed-port',
  'ipv6',
  'ipv6-bracketed',
  'ipv6-bracketed-port',
  'ipv4-mapped',
  'ipv4-mapped-bracketed-port',
  'empty',
  'hostname-port',
];

const isPort = (text: string): boolean => /^\d{1,5}$/.test(text) && Number(text) <= 65535;
const isMapped = (text: string): boolean => /^::ffff:/i.test(text) && isIPv4(text.slice(7));

/** Which ClientIP rendering `value` is (`[2001:db8::1]:443` → `ipv6-bracketed-port`), or null. */
export function clientIpFormOf(value: string): ClientIpForm | null {
  if (value === '') return 'empty';
  if (isIPv4(value)) return 'ipv4';
  if (isMapped(value)) return 'ipv4-mapped';
  if (isIPv6(value)) return 'ipv6';
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) {
    const [, address = '', port] = bracketed;
    if (port !== undefined && !isPort(port)) return null;
    if (isIPv4(address)) return port === undefined ? 'ipv4-bracketed' : 'ipv4-bracketed-port';
    if (isMapped(address)) return port === undefined ? 'ipv6-bracketed' : 'ipv4-mapped-bracketed-port';
    if (isIPv6(address)) return port === undefined ? 'ipv6-bracketed' : 'ipv6-bracketed-port';
    return null;
  }
  const hostPort = /^([^:\s]+):(\d+)$/.exec(value);
  if (hostPort) {
    const [, host = '', port = ''] = hostPort;
    if (!isPort(port)) return null;
    if (isIPv4(host)) return 'ipv4-port';
    if (/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i.test(host)) return 'hostname-port';
  }
  return null;
}

/** ClientIP in any documented rendering; `null` is allowed (some Azure AD events). */
export const clientIp = z
  .string()
  .refine((v) => clientIpFormOf(v) !== null, { error: (issue) => `not a ClientIP form Microsoft emits: ${JSON.stringify(issue.input)}` })
  .nullable();

/** A bare address, as STS logons and Graph `ipAddress` carry it. */
export const bareIp = z
  .string()
  .refine((v) => isIPv4(v) || isIPv6(v), { error: (issue) => `expected a bare IPv4 or IPv6 address: ${JSON.stringify(issue.input)}` });

/** `Common.NameValuePair`: both parts strings (Exchange writes `"True"`, never `true`). */
export const nameValuePair = z.object({ Name: z.string(), Value: z.string() }).loose();
export const nameValuePairs = z.array(nameValuePair);

/** Common.ModifiedProperty in the audit log's spelling. */
export const modifiedProperty = z.object({ Name: z.string(), NewValue: z.string(), OldValue: z.string() }).loose();

/**
 * AuditLogRecordType: the numbers Microsoft documents, by name. RecordType itself accepts any
 * positive integer (the list grows every few months); these names make reports readable and
 * decide which workload schema applies.
 */
export const RECORD_TYPES = {
  ExchangeAdmin: 1,
  ExchangeItem: 2,
  ExchangeItemGroup: 3,
  SharePoint: 4,
  SharePointFileOperation: 6,
  OneDrive: 7,
  AzureActiveDirectory: 8,
  AzureActiveDirectoryAccountLogon: 9,
  DataCenterSecurityCmdlet: 10,
  ComplianceDLPSharePoint: 11,
  ComplianceDLPExchange: 13,
  SharePointSharingOperation: 14,
  AzureActiveDirectoryStsLogon: 15,
  SkypeForBusinessPSTNUsage: 16,
  SkypeForBusinessUsersBlocked: 17,
  SecurityComplianceCenterEOPCmdlet: 18,
  ExchangeAggregatedOperation: 19,
  PowerBIAudit: 20,
  CRM: 21,
  Yammer: 22,
  SkypeForBusinessCmdlets: 23,
  Discovery: 24,
  MicrosoftTeams: 25,
  ThreatIntelligence: 28,
  MailSubmission: 29,
  MicrosoftFlow: 30,
  AeD: 31,
  MicrosoftStream: 32,
  ComplianceDLPSharePointClassification: 33,
  ThreatFinder: 34,
  Project: 35,
  SharePointListOperation: 36,
  SharePointCommentOperation: 37,
  DataGovernance: 38,
  Kaizala: 39,
  SecurityComplianceAlerts: 40,
  ThreatIntelligenceUrl: 41,
  SecurityComplianceInsights: 42,
  MIPLabel: 43,
  WorkplaceAnalytics: 44,
  PowerAppsApp: 45,
  PowerAppsPlan: 46,
  ThreatIntelligenceAtpContent: 47,
  LabelContentExplorer: 48,
  TeamsHealthcare: 49,
  ExchangeItemAggregated: 50,
  HygieneEvent: 51,
  DataInsightsRestApiAudit: 52,
  InformationBarrierPolicyApplication: 53,
  SharePointListItemOperation: 54,
  SharePointContentTypeOperation: 55,
  SharePointFieldOperation: 56,
  MicrosoftTeamsAdmin: 57,
  HRSignal: 58,
  MicrosoftTeamsDevice: 59,
  MicrosoftTeamsAnalytics: 60,
  InformationWorkerProtection: 61,
  Campaign: 62,
  DLPEndpoint: 63,
  AirInvestigation: 64,
  Quarantine: 65,
  MicrosoftForms: 66,
} as const;

export const RECORD_TYPE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(RECORD_TYPES).map(([name, value]) => [value, name]));

/**
 * UserType: 0 Regular, 1 Reserved, 2 Admin, 3 DcAdmin, 4 System, 5 Application,
 * 6 ServicePrincipal, 7 CustomPolicy, 8 SystemPolicy, 9 PartnerTechnician, 10 Guest.
 */
export const userType = z.number().int().min(0).max(10);

/** `Common.AppAccessContext`: which app and token performed the action. */
export const appAccessContext = z
  .object({
    AADSessionId: z.string().optional(),
    APIId: z.string().optional(),
    ClientAppId: z.string().optional(),
    ClientAppName: z.string().optional(),
    CorrelationId: z.string().optional(),
    UniqueTokenId: z.string().optional(),
    IssuedAtTime: ualTime.optional(),
  })
  .loose();

/** The common schema: the fields of every audit record, in the types the live API sends (ints stay ints). */
export const commonShape = {
  Id: guid,
  RecordType: z.number().int().positive(),
  CreationTime: ualTime,
  Operation: z.string().min(1),
  OrganizationId: guid,
  UserType: userType,
  UserKey: z.string().min(1),
  Workload: z.string().min(1),
  ResultStatus: z.string().optional(),
  ObjectId: z.string().optional(),
  UserId: z.string().min(1),
  ClientIP: clientIp.optional(),
  /** AuditLogScope: 0 Online, 1 Onprem. */
  Scope: z.number().int().min(0).max(1).optional(),
  AppAccessContext: appAccessContext.optional(),
  Version: z.number().int().positive().optional(),
};

export const commonRecord = z.object(commonShape).loose();
