/**
 * The facts stateful rules remember, as named series shared between rules (brute force and
 * success-after-failures both read failed sign-ins per user). Each series says which keys a
 * record touches (the engine preloads those from `detection_state`) and which facts it adds.
 * Fact ids make storing idempotent: a sign-in is identified by its request id, which is the
 * same in Graph signIns and the audit log, so one sign-in seen in both feeds counts once.
 */
import {
  asString,
  dayStart,
  DAY,
  directoryOccurrence,
  directoryTarget,
  domainOf,
  modified,
  operationKey,
  rawOf,
  signInOf,
  SIGN_IN_CODES,
  succeeded,
  unquote,
} from './records.ts';
import type { DetectionRecord, Observation, SeriesName } from './types.ts';
import type { PartialIpIntel } from '../../enrichment/ip/types.ts';
import { privilegedRole } from './constants/privileged-roles.ts';

export type SeriesDefinition = {
  /** Facts older than this (relative to the newest record of a batch) are pruned. */
  retentionMs: number;
  /** Keys this record reads or writes. */
  keys(record: DetectionRecord): string[];
  /** `ip` is the batch's IP intelligence (for facts that remember an address's network). */
  observe(record: DetectionRecord, ip: (address: string | null | undefined) => PartialIpIntel | null): Observation[];
};

const none: string[] = [];

function signInKeys(pick: 'user' | 'ip') {
  return (record: DetectionRecord): string[] => {
    const s = signInOf(record);
    const key = s?.[pick];
    return key ? [key] : none;
  };
}

function fileOperationSeries(operations: ReadonlySet<string>): SeriesDefinition {
  return {
    retentionMs: DAY,
    keys: (r) => (r.actorUpn && operations.has(r.operation) ? [r.actorUpn] : none),
    observe: (r) =>
      r.actorUpn && operations.has(r.operation) ? [{ key: r.actorUpn, id: r.recordId, at: r.occurredAt, data: { object: r.target ?? '' } }] : [],
  };
}

/** Directory changes counted per admin: role grants and removals, user deletions. */
export const ROLE_CHANGES = new Set(['add member to role', 'remove member from role', 'add eligible member to role', 'remove eligible member from role']);
export const USER_DELETIONS = new Set(['delete user', 'hard delete user']);
const DIRECTORY_CHANGES = new Set([...ROLE_CHANGES, ...USER_DELETIONS]);

/** SharePoint / OneDrive operations that take a copy of a file out of the service. */
export const DOWNLOAD_OPERATIONS = new Set(['FileDownloaded', 'FileSyncDownloadedFull']);
/** Operations that delete a file or folder (first-stage recycle bin included: the user's intent is deletion). */
export const DELETE_OPERATIONS = new Set([
  'FileDeleted',
  'FileRecycled',
  'FileDeletedFirstStageRecycleBin',
  'FileDeletedSecondStageRecycleBin',
  'FolderDeleted',
  'FolderRecycled',
  'FolderDeletedFirstStageRecycleBin',
  'FolderDeletedSecondStageRecycleBin',
]);

export const SERIES: Record<SeriesName, SeriesDefinition> = {
  'signin-failures-by-user': {
    retentionMs: DAY,
    keys: signInKeys('user'),
    observe: (r) => {
      const s = signInOf(r);
      return s?.user && SIGN_IN_CODES.failedGuess.has(s.errorCode)
        ? [{ key: s.user, id: s.requestId, at: r.occurredAt, data: { ip: s.ip, code: s.errorCode, ...(s.userAgent ? { agent: s.userAgent } : {}) } }]
        : [];
    },
  },
  'signin-failures-by-ip': {
    retentionMs: DAY,
    keys: signInKeys('ip'),
    observe: (r) => {
      const s = signInOf(r);
      return s?.ip && SIGN_IN_CODES.failedGuess.has(s.errorCode)
        ? [{ key: s.ip, id: s.requestId, at: r.occurredAt, data: { user: s.user, code: s.errorCode, ...(s.userAgent ? { agent: s.userAgent } : {}) } }]
        : [];
    },
  },
  'signin-attempts-by-tenant': {
    retentionMs: DAY,
    keys: (r) => (signInOf(r) ? ['*'] : none),
    // Every failed guess and accepted password of the tenant, with the address's network and the
    // user agent: a spray spread over many addresses still shares one of them.
    observe: (r, ip) => {
      const s = signInOf(r);
      if (!s?.user) return [];
      const failed = SIGN_IN_CODES.failedGuess.has(s.errorCode);
      if (!failed && !SIGN_IN_CODES.passwordAccepted.has(s.errorCode)) return [];
      const asn = ip(s.ip)?.network?.asNumber;
      const data: Record<string, unknown> = { user: s.user, failed };
      if (s.ip) data.ip = s.ip;
      if (asn) data.asn = asn;
      if (s.userAgent) data.agent = s.userAgent;
      return [{ key: '*', id: s.requestId, at: r.occurredAt, data }];
    },
  },
  'signin-successes-by-user': {
    retentionMs: DAY,
    keys: signInKeys('user'),
    observe: (r) => {
      const s = signInOf(r);
      return s?.user && SIGN_IN_CODES.passwordAccepted.has(s.errorCode)
        ? [{ key: s.user, id: s.requestId, at: r.occurredAt, data: { ip: s.ip, code: s.errorCode } }]
        : [];
    },
  },
  'signin-locations-by-user': {
    retentionMs: 2 * DAY,
    keys: signInKeys('user'),
    observe: (r) => {
      const s = signInOf(r);
      const loc = s?.location;
      if (!s?.user || !s.success || !loc || loc.latitude === null || loc.longitude === null) return [];
      // (0, 0) is Graph's "unknown", not a place in the Gulf of Guinea.
      if (loc.latitude === 0 && loc.longitude === 0) return [];
      return [
        {
          key: s.user,
          id: s.requestId,
          at: r.occurredAt,
          data: { latitude: loc.latitude, longitude: loc.longitude, country: loc.country, city: loc.city, ip: s.ip },
        },
      ];
    },
  },
  'signin-countries-by-user': {
    retentionMs: 31 * DAY,
    keys: signInKeys('user'),
    observe: (r) => {
      const s = signInOf(r);
      const country = s?.location?.country;
      return s?.user && s.success && country
        ? [{ key: s.user, id: `${country}|${dayStart(r.occurredAt).toISOString().slice(0, 10)}`, at: dayStart(r.occurredAt), data: { country } }]
        : [];
    },
  },
  'signin-countries-by-tenant': {
    retentionMs: 31 * DAY,
    keys: (r) => (signInOf(r) ? ['*'] : none),
    observe: (r) => {
      const s = signInOf(r);
      const country = s?.location?.country;
      return s?.success && country
        ? [{ key: '*', id: `${country}|${dayStart(r.occurredAt).toISOString().slice(0, 10)}`, at: dayStart(r.occurredAt), data: { country } }]
        : [];
    },
  },
  'signin-days-by-tenant': {
    retentionMs: 31 * DAY,
    keys: (r) => (signInOf(r) ? ['*'] : none),
    // Days with any successful sign-in with a location: how long the tenant has been watched.
    observe: (r) => {
      const s = signInOf(r);
      return s?.success && s.location?.country
        ? [{ key: '*', id: dayStart(r.occurredAt).toISOString().slice(0, 10), at: dayStart(r.occurredAt), data: {} }]
        : [];
    },
  },
  'password-resets-by-actor': {
    retentionMs: DAY,
    keys: (r) => (r.actorUpn && operationKey(r.operation) === 'reset user password' ? [r.actorUpn] : none),
    observe: (r) =>
      r.actorUpn && operationKey(r.operation) === 'reset user password' && succeeded(r)
        ? [{ key: r.actorUpn, id: directoryOccurrence(r), at: r.occurredAt, data: { target: directoryTarget(r).upn } }]
        : [],
  },
  'directory-changes-by-actor': {
    retentionMs: DAY,
    keys: (r) => (r.actorUpn && DIRECTORY_CHANGES.has(operationKey(r.operation)) ? [r.actorUpn] : none),
    observe: (r) => {
      const op = operationKey(r.operation);
      if (!r.actorUpn || !DIRECTORY_CHANGES.has(op) || !succeeded(r)) return [];
      const role = unquote(modified(r, 'Role.DisplayName')?.newValue) || unquote(modified(r, 'Role.DisplayName')?.oldValue);
      const target = directoryTarget(r);
      return [
        {
          key: r.actorUpn,
          id: directoryOccurrence(r),
          at: r.occurredAt,
          data: { op, target: target.upn ?? target.name ?? target.id ?? '', ...(role ? { role } : {}) },
        },
      ];
    },
  },
  'privileged-users': {
    retentionMs: 365 * DAY,
    keys: (r) => {
      const op = operationKey(r.operation);
      if (!op.startsWith('add member to role') && !op.startsWith('add eligible member to role') && op !== 'reset user password') return none;
      const upn = directoryTarget(r).upn;
      return upn ? [upn] : none;
    },
    // Accounts granted a privileged role: an admin resetting their password is worth a look.
    observe: (r) => {
      const grant = privilegedGrant(r);
      return grant ? [{ key: grant.upn, id: grant.role.templateId, at: r.occurredAt, data: { role: grant.role.name } }] : [];
    },
  },
  'app-consents': {
    retentionMs: DAY,
    keys: (r) => {
      const op = operationKey(r.operation);
      if (op !== 'consent to application' && op !== 'add service principal') return none;
      const id = directoryTarget(r).id;
      return id ? [id.toLowerCase()] : none;
    },
    observe: (r) => {
      if (operationKey(r.operation) !== 'consent to application' || !succeeded(r)) return [];
      const id = directoryTarget(r).id;
      return id ? [{ key: id.toLowerCase(), id: directoryOccurrence(r), at: r.occurredAt, data: {} }] : [];
    },
  },
  'file-downloads-by-user': fileOperationSeries(DOWNLOAD_OPERATIONS),
  'file-deletions-by-user': fileOperationSeries(DELETE_OPERATIONS),
  'tenant-domains': {
    retentionMs: Number.POSITIVE_INFINITY,
    keys: () => ['*'],
    observe: (r) => {
      const raw = rawOf(r);
      const out: Observation[] = [];
      // Exchange records name the tenant's initial domain (`contoso.onmicrosoft.com`).
      const org = asString(raw.OrganizationName)?.toLowerCase();
      if (org && /^[a-z0-9-]+\.onmicrosoft\.com$/.test(org)) out.push({ key: '*', id: org, at: r.occurredAt, data: {} });
      // A domain the tenant verified itself.
      const op = operationKey(r.operation);
      if ((op === 'verify domain' || op === 'add verified domain' || op === 'verify email verified domain') && succeeded(r)) {
        const target = directoryTarget(r);
        const domain = (target.name ?? '').toLowerCase();
        if (/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain)) out.push({ key: '*', id: domain, at: r.occurredAt, data: {} });
      }
      return out;
    },
  },
};

/** A successful grant of a privileged directory role: to whom, which role. */
export function privilegedGrant(r: DetectionRecord) {
  const op = operationKey(r.operation);
  // PIM activations and permanent assignments are grants too.
  if (
    op !== 'add member to role' &&
    op !== 'add member to role in pim completed (permanent)' &&
    op !== 'add eligible member to role in pim completed (permanent)'
  )
    return null;
  if (!succeeded(r)) return null;
  const role = privilegedRole(unquote(modified(r, 'Role.TemplateId')?.newValue) || null, unquote(modified(r, 'Role.DisplayName')?.newValue) || null);
  const upn = directoryTarget(r).upn;
  return role && upn ? { role, upn } : null;
}

export { domainOf };
