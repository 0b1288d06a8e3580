/**
 * Reading Microsoft's record shapes for rules: cmdlet parameters, modified properties (audit log
 * and Graph spellings), sign-in outcomes, recipients. Everything here is pure and tolerant: a
 * missing or oddly typed field reads as absent, never throws.
 */
import { cmdletParameterValue } from '../collector/normalize/cmdlet-parameters.ts';
import type { DetectionRecord, TenantContext } from './types.ts';

type Json = Record<string, unknown>;

export function asObject(value: unknown): Json | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
}

export function asString(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

export function rawOf(record: DetectionRecord): Json {
  return asObject(record.raw) ?? {};
}

/** Operation name without the audit log's trailing period, lower-case: `add member to role`. */
export function operationKey(operation: string): string {
  return operation.trim().replace(/\.$/, '').trim().toLowerCase();
}

/** `[{Name, Value}]` lists (Parameters, ExtendedProperties, OperationProperties): the value by name, case-insensitive. */
export function nameValue(list: unknown, name: string): string | null {
  if (!Array.isArray(list)) return null;
  const wanted = name.toLowerCase();
  for (const item of list) {
    const o = asObject(item);
    if (o && typeof o.Name === 'string' && o.Name.toLowerCase() === wanted) return asString(o.Value);
  }
  return null;
}

/**
 * A cmdlet parameter, by name (case-insensitive): from the `[{Name, Value}]` list of Exchange
 * admin records, or the one string (`-Name "q2" -Export`) of Security & Compliance Center
 * cmdlets. A switch reads as `True`; `$true` / `$false` as `True` / `False`.
 */
export function param(record: DetectionRecord, name: string): string | null {
  const parameters = rawOf(record).Parameters;
  return typeof parameters === 'string' ? cmdletParameterValue(parameters, name) : nameValue(parameters, name);
}

/** True for the strings Exchange uses for a set switch (`True`, `$true`). */
export function isTrue(value: string | null): boolean {
  return value !== null && /^\$?true$/i.test(value.trim());
}

export type ModifiedProperty = { name: string; oldValue: string; newValue: string };

/**
 * Modified properties from either feed: the audit log's `ModifiedProperties [{Name, OldValue,
 * NewValue}]` or Graph's `targetResources[].modifiedProperties [{displayName, oldValue, newValue}]`.
 */
export function modifiedProperties(record: DetectionRecord): ModifiedProperty[] {
  const raw = rawOf(record);
  const out: ModifiedProperty[] = [];
  const push = (name: unknown, oldValue: unknown, newValue: unknown) => {
    if (typeof name === 'string') out.push({ name, oldValue: asString(oldValue) ?? '', newValue: asString(newValue) ?? '' });
  };
  if (Array.isArray(raw.ModifiedProperties)) for (const m of raw.ModifiedProperties) push(asObject(m)?.Name, asObject(m)?.OldValue, asObject(m)?.NewValue);
  if (Array.isArray(raw.targetResources)) {
    for (const t of raw.targetResources) {
      const props = asObject(t)?.modifiedProperties;
      if (Array.isArray(props)) for (const m of props) push(asObject(m)?.displayName, asObject(m)?.oldValue, asObject(m)?.newValue);
    }
  }
  return out;
}

export function modified(record: DetectionRecord, name: string): ModifiedProperty | null {
  const wanted = name.toLowerCase();
  return modifiedProperties(record).find((m) => m.name.toLowerCase() === wanted) ?? null;
}

/**
 * A property value without its JSON dressing: Graph writes `"\"Global Administrator\""`, the
 * audit log `["Global Administrator"]` or plain text. Returns the first string inside.
 */
export function unquote(value: string | null | undefined): string {
  if (!value) return '';
  let v = value.trim();
  for (let i = 0; i < 3; i++) {
    if (!/^["[]/.test(v)) break;
    try {
      const parsed: unknown = JSON.parse(v);
      if (typeof parsed === 'string') v = parsed.trim();
      else if (Array.isArray(parsed)) v = asString(parsed[0])?.trim() ?? '';
      else break;
    } catch {
      break;
    }
  }
  return v;
}

/** Graph `additionalDetails [{key, value}]` or the audit log's `ExtendedProperties.additionalDetails` JSON. */
export function additionalDetail(record: DetectionRecord, key: string): string | null {
  const raw = rawOf(record);
  const wanted = key.toLowerCase();
  if (Array.isArray(raw.additionalDetails)) {
    for (const d of raw.additionalDetails) {
      const o = asObject(d);
      if (o && typeof o.key === 'string' && o.key.toLowerCase() === wanted) return asString(o.value);
    }
  }
  const details = nameValue(raw.ExtendedProperties, 'additionalDetails');
  if (details) {
    try {
      const parsed = asObject(JSON.parse(details));
      if (parsed) for (const [k, v] of Object.entries(parsed)) if (k.toLowerCase() === wanted) return asString(v);
    } catch {
      // Not JSON: no details.
    }
  }
  return null;
}

/**
 * Did the operation succeed? Exchange says "True"/"False", Azure AD "Success"/"Failed", Graph
 * "success"/"failure"; SharePoint records carry no result (they log only what happened).
 */
export function succeeded(record: DetectionRecord): boolean {
  if (record.source === 'graph.signIns' || record.recordType === 15 || record.recordType === 9) return signInOf(record)?.success ?? false;
  const result = record.result?.trim().toLowerCase();
  if (!result) return true;
  return result === 'true' || result === 'success' || result === 'succeeded' || result === 'partiallysucceeded';
}

/** Correlation id of a directory change: the audit log's `InterSystemsId`, Graph's `correlationId`. */
export function correlationId(record: DetectionRecord): string | null {
  const raw = rawOf(record);
  return asString(raw.correlationId) ?? asString(raw.InterSystemsId) ?? asString(raw.CorrelationId);
}

/**
 * One directory change reaches us twice (directoryAudits and the audit log) with the same
 * correlation id and operation; one correlation id can cover several operations (a consent adds
 * a service principal, a grant and the consent), so both go into the key.
 */
export function directoryOccurrence(record: DetectionRecord): string {
  const correlation = correlationId(record);
  return correlation ? `${correlation}|${operationKey(record.operation)}` : record.recordId;
}

/** Target of a directory change: the user's UPN (audit log Type 5, Graph userPrincipalName), else its id or name. */
export function directoryTarget(record: DetectionRecord): { upn: string | null; id: string | null; name: string | null; type: string | null } {
  const raw = rawOf(record);
  if (Array.isArray(raw.targetResources)) {
    const first = asObject(raw.targetResources[0]);
    return {
      upn: asString(first?.userPrincipalName)?.toLowerCase() ?? null,
      id: asString(first?.id),
      name: asString(first?.displayName),
      type: asString(first?.type),
    };
  }
  const targets = Array.isArray(raw.Target) ? raw.Target.map(asObject).filter((t): t is Json => t !== null) : [];
  const upn = targets.find((t) => t.Type === 5 && typeof t.ID === 'string')?.ID as string | undefined;
  const name = targets.find((t) => t.Type === 1 && typeof t.ID === 'string')?.ID as string | undefined;
  // `User_<guid>` / `ServicePrincipal_<guid>` name the object and its type.
  const typed = targets.map((t) => asString(t.ID)).find((id) => id !== null && /^[A-Za-z]+_[0-9a-f-]{36}$/i.test(id));
  const [type, id] = typed ? [typed.slice(0, typed.lastIndexOf('_')), typed.slice(typed.lastIndexOf('_') + 1)] : [null, null];
  const objectId = asString(raw.ObjectId);
  return {
    upn: upn?.toLowerCase() ?? (objectId && objectId.includes('@') ? objectId.toLowerCase() : null),
    id,
    name: name ?? objectId,
    type,
  };
}

// ---------------------------------------------------------------------------------------------
// Sign-ins

/**
 * Entra sign-in error codes, grouped by what they say about the password. Sources: Microsoft's
 * AADSTS error code reference and the sign-in log documentation.
 */
export const SIGN_IN_CODES = {
  /** The password (or user name) was wrong, or the account is unusable: a failed guess. */
  failedGuess: new Set([
    50126, // InvalidUserNameOrPassword
    50053, // IdsLocked: locked by smart lockout (also for sign-ins from known-bad IPs)
    50034, // UserAccountNotFound: sprays often carry guessed user names
    50056, // Invalid or null password
    50057, // UserAccountDisabled
    50064, // Credential validation on username or password failed
  ]),
  /** The password was right and something after it stopped the sign-in (MFA, Conditional Access, expiry). */
  passwordAccepted: new Set([
    0,
    50055, // InvalidPasswordExpiredPassword: correct but expired
    50072, // MFA registration required
    50074, // UserStrongAuthClientAuthNRequiredInterrupt: MFA required
    50076, // MFA required (location or policy)
    50079, // MFA enrollment required
    50158, // External security challenge not satisfied
    500121, // Authentication failed during the strong authentication request
    53000, // Device not compliant (Conditional Access)
    53001, // Device not domain joined (Conditional Access)
    53002, // Application not approved (Conditional Access)
    53003, // BlockedByConditionalAccess
  ]),
} as const;

/** OperationResult vocabulary of `Event.OperationResult` for sign-ins. */
export function signInResult(code: number): string {
  if (code === 0) return 'Success';
  if (code === 50126 || code === 50056 || code === 50064) return 'PasswordInvalid';
  if (code === 500121) return 'OneTimePasswordInvalid';
  if (code === 50053) return 'LockedOut';
  if (code === 50074 || code === 50076 || code === 50079 || code === 50072 || code === 50158) return 'MfaRequired';
  if (code >= 53000 && code <= 53003) return 'BlockedByConditionalAccess';
  if (code === 50034) return 'UserNotFound';
  if (code === 50057) return 'AccountDisabled';
  if (code === 50055) return 'PasswordExpired';
  return 'Failure';
}

/** The audit log names errors; map the common names for records that carry no number. */
const LOGON_ERROR_CODES: Record<string, number> = {
  InvalidUserNameOrPassword: 50126,
  IdsLocked: 50053,
  UserAccountNotFound: 50034,
  UserAccountDisabled: 50057,
  InvalidPasswordExpiredPassword: 50055,
  UserStrongAuthClientAuthNRequiredInterrupt: 50074,
  UserStrongAuthClientAuthNRequired: 50076,
  BlockedByConditionalAccess: 53003,
};

export type SignInFacts = {
  /** The sign-in's request id: Graph `id`, the audit log's `Id` (= `IntraSystemId`). Same in both feeds. */
  requestId: string;
  user: string | null;
  ip: string | null;
  /** Entra error code; 0 is success, -1 a failure without a code. */
  errorCode: number;
  success: boolean;
  /** Graph `clientAppUsed` (the audit log does not carry it). */
  clientApp: string | null;
  appName: string | null;
  userAgent: string | null;
  location: { country: string | null; city: string | null; latitude: number | null; longitude: number | null } | null;
  riskEventTypes: string[];
};

/** Sign-in facts from a Graph signIn or an audit-log UserLoggedIn / UserLoginFailed; null for anything else. */
export function signInOf(record: DetectionRecord): SignInFacts | null {
  const raw = rawOf(record);
  if (record.source === 'graph.signIns') {
    const status = asObject(raw.status);
    const code = typeof status?.errorCode === 'number' ? status.errorCode : 0;
    const loc = asObject(raw.location);
    const geo = asObject(loc?.geoCoordinates);
    const risk = [
      ...(Array.isArray(raw.riskEventTypes_v2) ? raw.riskEventTypes_v2 : []),
      ...(Array.isArray(raw.riskEventTypes) ? raw.riskEventTypes : []),
    ].filter((v): v is string => typeof v === 'string');
    return {
      requestId: record.recordId,
      user: record.actorUpn,
      ip: record.clientIp,
      errorCode: code,
      success: code === 0,
      clientApp: asString(raw.clientAppUsed),
      appName: asString(raw.appDisplayName),
      userAgent: record.userAgent,
      location: loc
        ? {
            country: asString(loc.countryOrRegion) || null,
            city: asString(loc.city) || null,
            latitude: typeof geo?.latitude === 'number' ? geo.latitude : null,
            longitude: typeof geo?.longitude === 'number' ? geo.longitude : null,
          }
        : null,
      riskEventTypes: [...new Set(risk)],
    };
  }
  if ((record.recordType === 15 || record.recordType === 9) && (record.operation === 'UserLoggedIn' || record.operation === 'UserLoginFailed')) {
    const number = asString(raw.ErrorNumber) ?? asString(raw.ErrorCode);
    const logonError = asString(raw.LogonError);
    let code = number !== null && /^\d+$/.test(number) ? Number(number) : logonError ? (LOGON_ERROR_CODES[logonError] ?? -1) : 0;
    if (record.operation === 'UserLoginFailed' && code === 0) code = -1;
    return {
      requestId: asString(raw.IntraSystemId) || record.recordId,
      user: record.actorUpn,
      ip: record.clientIp,
      errorCode: code,
      success: code === 0,
      clientApp: null,
      appName: null,
      userAgent: record.userAgent,
      location: null,
      riskEventTypes: [],
    };
  }
  return null;
}

/**
 * Legacy (basic) authentication protocols as Graph's `clientAppUsed` names them; they cannot do
 * MFA, so a successful sign-in over them bypasses it. "Browser" and "Mobile Apps and Desktop
 * clients" are modern authentication.
 */
export const LEGACY_CLIENT_APPS = new Set(
  [
    'Authenticated SMTP',
    'AutoDiscover',
    'Exchange ActiveSync',
    'Exchange Online PowerShell',
    'Exchange Web Services',
    'IMAP',
    'IMAP4',
    'MAPI Over HTTP',
    'Offline Address Book',
    'Other clients',
    'Outlook Anywhere (RPC over HTTP)',
    'POP',
    'POP3',
    'Reporting Web Services',
    'SMTP',
    'Universal Outlook',
  ].map((s) => s.toLowerCase()),
);

// ---------------------------------------------------------------------------------------------
// Recipients and domains

const EMAIL = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;

/**
 * E-mail addresses in a recipient parameter. Exchange writes one or several recipients, each
 * possibly as `smtp:addr`, `"Name" <addr>`, `[SMTP:addr]` or `Name [SMTP:addr]`, separated by
 * `;` or `,`. Values that are names or legacy DNs (resolved inside Exchange) yield nothing.
 */
export function emailAddresses(value: string | null | undefined): string[] {
  if (!value) return [];
  return [...new Set((value.match(EMAIL) ?? []).map((a) => a.toLowerCase()))];
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * External means: not one of the tenant's domains nor a subdomain of one (a subdomain of a
 * verified domain is under the organisation's control).
 */
export function isExternalAddress(address: string, tenant: TenantContext): boolean {
  const domain = domainOf(address);
  if (tenant.domains.has(domain)) return false;
  for (const d of tenant.domains) if (domain.endsWith(`.${d}`)) return false;
  return true;
}

export function externalAddresses(value: string | null | undefined, tenant: TenantContext): string[] {
  return emailAddresses(value).filter((a) => isExternalAddress(a, tenant));
}

/** Lower-case UPN of the actor, or null. */
export function actorOf(record: DetectionRecord): string | null {
  return record.actorUpn;
}

/** Shortens attacker-written text for descriptions (the full value stays in the raw record). */
export function clip(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Great-circle distance in kilometres. */
export function distanceKm(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Midnight UTC of the record's day: day-granular facts use it so their identity does not depend on arrival order. */
export function dayStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY) * DAY);
}
