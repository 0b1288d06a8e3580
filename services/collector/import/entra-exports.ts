/**
 * Records investigators bring besides the unified audit log: Entra ID sign-in and audit logs as
 * Graph answers them, as Log Analytics and Sentinel export them (`SigninLogs`, `AuditLogs`:
 * PascalCase columns, `TimeGenerated`, `ResultType`, dynamic columns sometimes as JSON text) and
 * as diagnostic settings stream them to an event hub or a storage account (`time`, `category`,
 * `operationName`, `properties` holding the Graph-shaped record); and Graph security alerts
 * (alerts_v2). Each is turned into the Graph shape and stored under the Graph source it is, so
 * the same normalisers and detections read it, and a sign-in both collected and imported is
 * one record.
 */
import type { ActivitySource } from '../../../db/schema/index.ts';

type Json = Record<string, unknown>;

export type RoutedRecord = { source: ActivitySource; raw: unknown } | { reason: string };

const SIGN_IN_CATEGORIES = new Set([
  'signinlogs',
  'noninteractiveusersigninlogs',
  'serviceprincipalsigninlogs',
  'managedidentitysigninlogs',
  'aadnoninteractiveusersigninlogs',
  'aadserviceprincipalsigninlogs',
  'aadmanagedidentitysigninlogs',
]);
const AUDIT_CATEGORIES = new Set(['auditlogs']);

/** Graph's spellings of the fields detection reads, found whatever their letter case. */
const SIGN_IN_FIELDS = [
  'id',
  'createdDateTime',
  'userPrincipalName',
  'userId',
  'userDisplayName',
  'ipAddress',
  'userAgent',
  'appId',
  'appDisplayName',
  'clientAppUsed',
  'correlationId',
  'resourceDisplayName',
  'resourceId',
  'conditionalAccessStatus',
  'isInteractive',
  'riskDetail',
  'riskLevelAggregated',
  'riskLevelDuringSignIn',
  'riskState',
  'riskEventTypes',
  'riskEventTypes_v2',
  'status',
  'location',
  'deviceDetail',
  'appliedConditionalAccessPolicies',
  'authenticationRequirement',
  'mfaDetail',
];
const AUDIT_FIELDS = [
  'id',
  'category',
  'correlationId',
  'result',
  'resultReason',
  'activityDisplayName',
  'activityDateTime',
  'loggedByService',
  'operationType',
  'initiatedBy',
  'targetResources',
  'additionalDetails',
];
const ALERT_FIELDS = [
  'id',
  'providerAlertId',
  'incidentId',
  'status',
  'severity',
  'classification',
  'determination',
  'serviceSource',
  'detectionSource',
  'detectorId',
  'tenantId',
  'title',
  'description',
  'recommendedActions',
  'category',
  'assignedTo',
  'alertWebUrl',
  'incidentWebUrl',
  'actorDisplayName',
  'threatDisplayName',
  'threatFamilyName',
  'mitreTechniques',
  'createdDateTime',
  'lastUpdateDateTime',
  'resolvedDateTime',
  'firstActivityDateTime',
  'lastActivityDateTime',
  'comments',
  'evidence',
  'systemTags',
];

/** The unified audit log's common schema and the fields rules read, as Microsoft spells them. */
const AUDIT_LOG_FIELDS = [
  'CreationTime',
  'Id',
  'Operation',
  'OrganizationId',
  'RecordType',
  'ResultStatus',
  'UserKey',
  'UserType',
  'Version',
  'Workload',
  'ClientIP',
  'ObjectId',
  'UserId',
  'Parameters',
  'ExtendedProperties',
  'ModifiedProperties',
  'Actor',
  'Target',
  'ActorIpAddress',
  'InterSystemsId',
  'IntraSystemId',
  'ErrorNumber',
  'LogonError',
  'OperationProperties',
  'AppPoolName',
  'OrganizationName',
  'ClientInfoString',
  'ItemType',
  'SiteUrl',
  'SourceFileName',
  'SourceRelativeUrl',
  'EventData',
  'TargetUserOrGroupName',
  'TargetUserOrGroupType',
  'UniqueSharingId',
  'UserAgent',
  'MailboxOwnerUPN',
];
const AUDIT_LOG_SPELLING = new Map(AUDIT_LOG_FIELDS.map((f) => [f.toLowerCase(), f]));

/** An audit-log record with its top-level names in Microsoft's spelling (`creationtime`, `CREATIONTIME` → `CreationTime`). */
function auditLogSpelling(o: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) {
    const canonicalName = AUDIT_LOG_SPELLING.get(k.toLowerCase()) ?? k;
    if (!(canonicalName in out) || canonicalName === k) out[canonicalName] = v;
  }
  if (typeof out.CreationTime === 'string') out.CreationTime = isoTime(out.CreationTime);
  return out;
}

/** The plain-words list of what an import reads, for records it cannot place. */
export const EXPECTED_RECORDS =
  'expected a unified audit log record (CreationTime, Id, Operation, Workload), an Entra ID sign-in or audit log record (from Graph, Log Analytics, Sentinel, an event hub or a storage account: category, operationName, properties…) or a Graph security alert (alerts_v2)';

function asObject(value: unknown): Json | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
}

/** A value by name regardless of letter case (`IPAddress`, `ipAddress`, `ipaddress`). */
function pick(o: Json, ...names: string[]): unknown {
  for (const name of names) {
    const wanted = name.toLowerCase();
    for (const [k, v] of Object.entries(o)) if (k.toLowerCase() === wanted && v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

/** Log Analytics writes dynamic columns as JSON text in some exports. */
function dynamic(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (!/^[[{]/.test(t)) return value;
  try {
    return JSON.parse(t);
  } catch {
    return value;
  }
}

/** `IPAddress` → `ipAddress`, `UserPrincipalName` → `userPrincipalName`: Graph's camel case. */
function camel(key: string): string {
  const lead = /^[A-Z]+(?=[A-Z][a-z]|$|_|\d)/.exec(key);
  if (lead) return lead[0].toLowerCase() + key.slice(lead[0].length);
  return key[0] ? key[0].toLowerCase() + key.slice(1) : key;
}

/** Nested objects in Graph's camel case, however the export wrote them. */
function camelDeep(value: unknown): unknown {
  const v = dynamic(value);
  if (Array.isArray(v)) return v.map(camelDeep);
  const o = asObject(v);
  if (!o) return v;
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [camel(k), camelDeep(x)]));
}

/** `2024-05-06 15:04:05` (Log Analytics, CSV tools) as ISO 8601 UTC; ISO strings as they are. */
export function isoTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const t = value.trim();
  const spaced = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}(:\d{2}(\.\d+)?)?)\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/i.exec(t);
  if (spaced) return `${spaced[1]}T${spaced[2]}${!spaced[5] || /^utc$/i.test(spaced[5]) ? 'Z' : spaced[5]}`;
  return t;
}

/** Copies Graph's fields from `from` (any letter case) into Graph's spelling, nested values in camel case. */
function canonical(from: Json, fields: readonly string[]): Json {
  const out: Json = {};
  for (const f of fields) {
    const v = pick(from, f);
    if (v !== undefined) out[f] = camelDeep(v);
  }
  return out;
}

function signIn(body: Json, envelope: Json | null): RoutedRecord {
  const r = { ...(camelDeep(body) as Json), ...canonical(body, SIGN_IN_FIELDS) };
  r.createdDateTime = isoTime(r.createdDateTime ?? pick(body, 'TimeGenerated') ?? (envelope && pick(envelope, 'time')));
  r.id ??= pick(body, 'OriginalRequestId', 'RequestId') ?? (envelope && pick(envelope, 'correlationId'));
  r.ipAddress ??= pick(body, 'IPAddress', 'ClientIP') ?? (envelope && pick(envelope, 'callerIpAddress'));
  // Log Analytics: the error code as `ResultType` text, the place as `LocationDetails`.
  if (!asObject(r.status)) {
    const code = pick(body, 'ResultType') ?? (envelope && pick(envelope, 'resultType'));
    if (code !== undefined && /^-?\d+$/.test(String(code).trim()))
      r.status = { errorCode: Number(code), failureReason: pick(body, 'ResultDescription') ?? null };
  } else if (typeof (r.status as Json).errorCode === 'string' && /^-?\d+$/.test((r.status as Json).errorCode as string)) {
    (r.status as Json).errorCode = Number((r.status as Json).errorCode);
  }
  if (!asObject(r.location)) {
    const details = camelDeep(pick(body, 'LocationDetails'));
    if (asObject(details)) r.location = details;
    else if (typeof r.location === 'string') r.location = { countryOrRegion: r.location };
    else delete r.location;
  }
  if (r.userPrincipalName === undefined && envelope) r.userPrincipalName = pick(envelope, 'identity');
  if (!r.id || !r.createdDateTime) return { reason: 'an Entra ID sign-in record needs an id and a time (createdDateTime, TimeGenerated or time)' };
  return { source: 'graph.signIns', raw: r };
}

function directoryAudit(body: Json, envelope: Json | null): RoutedRecord {
  const r = { ...(camelDeep(body) as Json), ...canonical(body, AUDIT_FIELDS) };
  r.activityDisplayName ??= pick(body, 'OperationName') ?? (envelope && pick(envelope, 'operationName'));
  r.activityDateTime = isoTime(r.activityDateTime ?? pick(body, 'TimeGenerated') ?? (envelope && pick(envelope, 'time')));
  r.id ??= envelope && pick(envelope, 'correlationId');
  if (typeof r.result === 'string') r.result = r.result.toLowerCase();
  if (!r.id || !r.activityDateTime || !r.activityDisplayName)
    return {
      reason:
        'an Entra ID audit log record needs an id, a time (activityDateTime, TimeGenerated or time) and an activity (activityDisplayName or operationName)',
    };
  return { source: 'graph.directoryAudits', raw: r };
}

function alert(body: Json): RoutedRecord {
  const r = { ...(camelDeep(body) as Json), ...canonical(body, ALERT_FIELDS) };
  r.createdDateTime = isoTime(r.createdDateTime);
  for (const f of ['lastUpdateDateTime', 'resolvedDateTime', 'firstActivityDateTime', 'lastActivityDateTime']) if (r[f] !== undefined) r[f] = isoTime(r[f]);
  if (!r.id || !r.createdDateTime) return { reason: 'a Graph security alert needs an id and createdDateTime' };
  return { source: 'graph.alerts_v2', raw: r };
}

/**
 * Where an imported record goes: unified audit log records stay `import` as they are; Entra ID
 * and alert records become the Graph record they are. A record that is none of these says what
 * was expected.
 */
export function routeImportRecord(record: unknown): RoutedRecord {
  const o = asObject(record);
  if (!o) return { reason: `not a JSON object: ${EXPECTED_RECORDS}` };
  // The unified audit log's common schema.
  if (
    pick(o, 'Workload') !== undefined ||
    (pick(o, 'RecordType') !== undefined && pick(o, 'Operation') !== undefined) ||
    pick(o, 'CreationTime') !== undefined
  ) {
    const spelled = Object.keys(o).every((k) => AUDIT_LOG_SPELLING.get(k.toLowerCase()) === undefined || AUDIT_LOG_SPELLING.get(k.toLowerCase()) === k);
    return { source: 'import', raw: spelled ? record : auditLogSpelling(o) };
  }

  const category = String(pick(o, 'category', 'Category', 'Type') ?? '').toLowerCase();
  const properties = asObject(dynamic(pick(o, 'properties')));
  // Event hub and storage account: the Graph-shaped record inside `properties`.
  if (properties && SIGN_IN_CATEGORIES.has(category)) return signIn(properties, o);
  if (properties && AUDIT_CATEGORIES.has(category)) return directoryAudit(properties, o);
  // Log Analytics / Sentinel rows (Type SigninLogs / AuditLogs, Category …) and Graph records.
  if (SIGN_IN_CATEGORIES.has(category)) return signIn(o, null);
  if (AUDIT_CATEGORIES.has(category) || (pick(o, 'activityDisplayName') !== undefined && pick(o, 'activityDateTime', 'TimeGenerated') !== undefined))
    return directoryAudit(o, null);
  const odataType = String(pick(o, '@odata.type') ?? '');
  if (/security\.alert$/i.test(odataType) || (pick(o, 'serviceSource') !== undefined && pick(o, 'createdDateTime') !== undefined)) return alert(o);
  if (
    pick(o, 'createdDateTime') !== undefined &&
    pick(o, 'userPrincipalName') !== undefined &&
    (pick(o, 'status') !== undefined || pick(o, 'appDisplayName') !== undefined || pick(o, 'ipAddress') !== undefined)
  )
    return signIn(o, null);
  return { reason: EXPECTED_RECORDS };
}

/** Containers exports wrap records in: Graph's `{ value: [...] }`, diagnostic settings' `{ records: [...] }`. */
export function containedRecords(record: unknown): unknown[] | null {
  const o = asObject(record);
  if (!o) return null;
  const keys = Object.keys(o).filter((k) => !k.startsWith('@odata.'));
  if (keys.length !== 1) return null;
  const inner = o[keys[0]!];
  return /^(records|value)$/i.test(keys[0]!) && Array.isArray(inner) ? inner : null;
}
