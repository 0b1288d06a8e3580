/**
 * The event page's words: how a snapshot's fields, remediation actions, MITRE ids and the
 * "how to react" runbook are shown. Pure functions over the API's data (no Svelte, no `$lib`
 * imports) so they are tested directly. Every value stays a plain string: the page renders
 * them as text, never as HTML.
 */

import type { components } from '../../api/schema.d.ts';

type Schemas = components['schemas'];
export type EventEntity = Schemas['EventEntity'];
export type EntityKind = EventEntity['kind'];

/** Each kind's snapshot, as the API describes it (a mailbox is its owner's user). */
export type SnapshotOf = {
  [K in EntityKind]: NonNullable<Extract<EventEntity, { kind: K }>['recorded']['snapshot']>;
};
export type Snapshot = SnapshotOf[EntityKind];
/** A snapshot with its kind, so the kind says which fields it has. */
export type KindedSnapshot = { [K in EntityKind]: { kind: K; snapshot: SnapshotOf[K] } }[EntityKind];

/**
 * The dotted paths into a snapshot's objects (`location.countryCode`); lists and open records
 * are leaves. A renamed snapshot field makes every path that names it a type error.
 */
export type SnapshotPath<T, Depth extends unknown[] = []> = Depth['length'] extends 3
  ? never
  : T extends readonly unknown[]
    ? never
    : T extends object
      ? {
          [K in keyof T & string]: K | (string extends keyof NonNullable<T[K]> ? never : `${K}.${SnapshotPath<NonNullable<T[K]>, [...Depth, unknown]>}`);
        }[keyof T & string]
      : never;

/** The entity kinds the event page groups by, in the order an admin reads them. */
export const ENTITY_SECTIONS = [
  { kind: 'user', title: 'Users' },
  { kind: 'mailbox', title: 'Mailboxes' },
  { kind: 'app', title: 'Applications and Teams apps' },
  { kind: 'inbox_rule', title: 'Inbox rules' },
  { kind: 'mail_flow_rule', title: 'Mail flow rules' },
  { kind: 'link', title: 'Anonymous links' },
  { kind: 'ip', title: 'IP addresses' },
] as const satisfies readonly { kind: EntityKind; title: string }[];

/** The entity's snapshot as recorded at detection or as looked up now, with its kind; null when there is none. */
export function snapshotOf(entity: EventEntity, mode: 'recorded' | 'live'): KindedSnapshot | null {
  const snapshot =
    mode === 'live'
      ? entity.live?.status === 'available'
        ? entity.live.snapshot
        : null
      : entity.recorded.status === 'recorded'
        ? entity.recorded.snapshot
        : null;
  // EventEntity pairs every kind with its snapshot; reading through the conditionals loses the pairing.
  return snapshot ? ({ kind: entity.kind, snapshot } as KindedSnapshot) : null;
}

/** Remediation actions in an admin's words (the API names them in kebab-case). */
export const REMEDIATION_LABELS: Record<string, string> = {
  'block-sign-in': 'Block sign-in',
  'revoke-sessions': 'Revoke sessions (sign out everywhere)',
  'reset-password': 'Reset the password',
  'require-mfa-reregistration': 'Require MFA re-registration',
  'confirm-compromised': 'Confirm the user compromised (Identity Protection)',
  'dismiss-user-risk': 'Dismiss the user risk',
  'disable-inbox-rule': 'Disable the inbox rule',
  'delete-inbox-rule': 'Delete the inbox rule',
  'remove-mailbox-forwarding': 'Remove mailbox forwarding',
  'disable-mail-flow-rule': 'Disable the mail flow rule',
  'remove-mail-flow-rule': 'Remove the mail flow rule',
  'remove-anonymous-link': 'Remove the anonymous link',
  'disable-app': 'Disable the app (block sign-in to it)',
  'revoke-app-consent': "Revoke the app's consent and permissions",
  'remove-teams-app': 'Remove the Teams app',
};

export function remediationLabel(action: string): string {
  return REMEDIATION_LABELS[action] ?? action.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

/**
 * A MITRE ATT&CK id as the detection gives it (`TA0009:T1114.003`, `T1110`) split into
 * techniques with their pages on attack.mitre.org; tactic ids link to the tactic.
 */
export function mitreLinks(ids: readonly string[]): { id: string; href: string }[] {
  const out: { id: string; href: string }[] = [];
  const seen = new Set<string>();
  for (const raw of ids) {
    for (const part of raw.split(':')) {
      const id = part.trim().toUpperCase();
      if (seen.has(id)) continue;
      const technique = /^T(\d{4})(?:\.(\d{3}))?$/.exec(id);
      const tactic = /^TA\d{4}$/.exec(id);
      if (technique) out.push({ id, href: `https://attack.mitre.org/techniques/T${technique[1]}/${technique[2] ? `${technique[2]}/` : ''}` });
      else if (tactic) out.push({ id, href: `https://attack.mitre.org/tactics/${id}/` });
      else continue;
      seen.add(id);
    }
  }
  return out;
}

/**
 * The runbook as steps: numbered lines ("1. …", "2) …") start a step, other lines continue
 * the current one; text before the first number is an introduction.
 */
export function parseHowToReact(text: string): { intro: string[]; steps: string[] } {
  const intro: string[] = [];
  const steps: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    const numbered = /^\d{1,2}[.)]\s+(.*)$/.exec(trimmed);
    if (numbered) steps.push(numbered[1]!);
    else if (steps.length > 0) steps[steps.length - 1] += ` ${trimmed}`;
    else intro.push(trimmed);
  }
  return { intro, steps };
}

/** The value at a dotted path of a snapshot (`location.city`). */
export function valueAt<T extends object>(snapshot: T | null | undefined, path: SnapshotPath<T>): unknown {
  let value: unknown = snapshot;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Whether a field shown at `path` is among the changed paths (or holds / sits inside one). */
export function isChanged(changed: readonly string[] | undefined, path: string): boolean {
  if (!changed) return false;
  return changed.some((c) => c === path || c.startsWith(`${path}.`) || path.startsWith(`${c}.`) || c.startsWith(`${path}[`));
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A time in the reader's zone; the raw value when it is not a date. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

/** The same instant in UTC, for a title: `2024-05-06 15:41:12 UTC`. */
export function utcTitle(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

/** One row of an entity's details. `value` null: the snapshot does not say. */
export type FieldRow = { label: string; path: string; value: string | string[] | null; kind?: 'date' | 'code' };

const yesNo = (v: unknown): string | null => (typeof v === 'boolean' ? (v ? 'Yes' : 'No') : null);
const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : typeof v === 'number' ? String(v) : null);
const list = (v: unknown): string[] | null => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : null);
const WORDS: Record<string, string> = {
  enabled: 'Enabled',
  disabled: 'Disabled',
  active: 'Active',
  removed: 'Removed',
  view: 'View',
  edit: 'Edit',
  'enterprise-app': 'Enterprise app',
  'microsoft-first-party': 'Microsoft first-party app',
  'managed-identity': 'Managed identity',
  verified: 'Verified publisher',
  unverified: 'Unverified publisher',
  microsoft: 'Microsoft',
  'this-tenant': 'This tenant',
  'other-organization': 'Another organisation',
  unknown: 'Unknown',
  AllPrincipals: 'Every user (admin consent)',
  Principal: 'Individual users',
};
const word = (v: unknown): string | null => {
  const t = text(v);
  return t === null ? null : (WORDS[t] ?? t);
};

/** Reads a snapshot of one kind: `v` the value at a path, `row` a labelled row for a path. */
function reader<T extends object>(s: T) {
  return {
    v: (path: SnapshotPath<T>): unknown => valueAt(s, path),
    row: (label: string, path: SnapshotPath<T>, value: string | string[] | null, kind?: FieldRow['kind']): FieldRow =>
      kind ? { label, path, value, kind } : { label, path, value },
  };
}

function userFields(s: SnapshotOf['user']): FieldRow[] {
  const { v, row } = reader(s);
  const licences = s.licenses.map((l) => l.productName ?? l.skuPartNumber ?? l.skuId);
  return [
    row('Display name', 'displayName', text(v('displayName'))),
    row('User principal name', 'userPrincipalName', text(v('userPrincipalName')), 'code'),
    row('Account', 'status', word(v('status'))),
    row('User type', 'userType', text(v('userType'))),
    row('Job title', 'jobTitle', text(v('jobTitle'))),
    row('Department', 'department', text(v('department'))),
    row('Usage location', 'country', text(v('country'))),
    row('MFA registered', 'mfaRegistered', yesNo(v('mfaRegistered'))),
    row('MFA methods', 'mfa', s.mfa ? (s.mfa.methods.length > 0 ? s.mfa.methods : ['None registered']) : null),
    row('Default MFA method', 'mfa.defaultMethod', s.mfa ? (text(s.mfa.defaultMethod) ?? 'None') : null),
    row('Licences', 'licenses', licences.length > 0 ? licences : ['None']),
    row('Admin roles', 'roles', s.roles ? (s.roles.length > 0 ? s.roles : ['None']) : null),
    row('Administrator', 'isAdmin', yesNo(v('isAdmin'))),
    row('Risk level', 'riskLevel', text(v('riskLevel'))),
    row('Risk state', 'riskState', text(v('riskState'))),
    row('Break-glass account', 'isBreakGlass', yesNo(v('isBreakGlass'))),
    row('Last interactive sign-in', 'lastSignIn.interactive', text(v('lastSignIn.interactive')), 'date'),
    row('Last non-interactive sign-in', 'lastSignIn.nonInteractive', text(v('lastSignIn.nonInteractive')), 'date'),
    row('Last successful sign-in', 'lastSignIn.successful', text(v('lastSignIn.successful')), 'date'),
    row('Last password change', 'lastPasswordChangeDateTime', text(v('lastPasswordChangeDateTime')), 'date'),
    row('Created', 'createdDateTime', text(v('createdDateTime')), 'date'),
    row('Email', 'mail', text(v('mail'))),
    row('Alternate emails', 'alternateEmails', list(v('alternateEmails'))),
    row('Mobile phone', 'mobilePhone', text(v('mobilePhone'))),
  ];
}

function appFields(s: SnapshotOf['app']): FieldRow[] {
  const { v, row } = reader(s);
  return [
    row('Name', 'displayName', text(v('displayName'))),
    row('Application id', 'appId', text(v('appId')), 'code'),
    row('Type', 'type', word(v('type'))),
    row('Status', 'status', word(v('status'))),
    row('Publisher', 'publisher', text(v('publisher'))),
    row('Verification', 'verification', word(v('verification'))),
    row('Verified publisher name', 'verifiedPublisherName', text(v('verifiedPublisherName'))),
    row('Registered in', 'registeredIn', word(v('registeredIn'))),
    row('Consent', 'consentType', word(v('consentType'))),
    row('Highest permission risk', 'highestRisk', text(v('highestRisk'))),
    row('First granted', 'firstGrantedDateTime', text(v('firstGrantedDateTime')), 'date'),
    row('Description', 'description', text(v('description'))),
    row('Homepage', 'homepage', text(v('homepage')), 'code'),
    row('Reply addresses', 'replyUrls', list(v('replyUrls'))),
  ];
}

function inboxRuleFields(s: SnapshotOf['inbox_rule']): FieldRow[] {
  const { v, row } = reader(s);
  return [
    row('Rule name', 'name', text(v('name'))),
    row('Mailbox', 'mailbox', text(v('mailbox')), 'code'),
    row('Status', 'status', word(v('status'))),
    row('Forwards to', 'forwardsTo', list(v('forwardsTo'))),
    row('Deletes messages', 'deletesMessages', yesNo(v('deletesMessages'))),
    row('Order', 'sequence', text(v('sequence'))),
    row('In error', 'hasError', yesNo(v('hasError'))),
  ];
}

function mailFlowRuleFields(s: SnapshotOf['mail_flow_rule']): FieldRow[] {
  const { v, row } = reader(s);
  return [
    row('Rule name', 'name', text(v('name'))),
    row('Status', 'status', word(v('status'))),
    row('Mode', 'mode', text(v('mode'))),
    row('Priority', 'priority', text(v('priority'))),
    row('Copies or redirects to', 'copiesTo', list(v('copiesTo'))),
    row('Deletes messages', 'deletesMessages', yesNo(v('deletesMessages'))),
    row('Bypasses spam filtering', 'bypassesSpamFiltering', yesNo(v('bypassesSpamFiltering'))),
    row('Last changed', 'whenChanged', text(v('whenChanged')), 'date'),
    row('Comments', 'comments', text(v('comments'))),
    row("Exchange's description", 'exchangeDescription', text(v('exchangeDescription'))),
  ];
}

function linkFields(s: SnapshotOf['link']): FieldRow[] {
  const { v, row } = reader(s);
  return [
    row('Name', 'name', text(v('name'))),
    row('Type', 'itemType', s.itemType === 'folder' ? 'Folder' : s.itemType === 'file' ? 'File' : null),
    row('Anonymous access', 'status', word(v('status'))),
    row('Strongest access', 'access', word(v('access'))),
    row('Expires', 'expiration', text(v('expiration')) ?? (s.status === 'active' ? 'Never' : null), text(v('expiration')) ? 'date' : undefined),
    row('Other sharing links', 'otherLinks', text(v('otherLinks'))),
    row('Site', 'site', text(v('site')), 'code'),
    row('Path', 'path', text(v('path')), 'code'),
    row('Address', 'webUrl', text(v('webUrl')), 'code'),
    row('Created by', 'createdBy', text(v('createdBy'))),
  ];
}

function ipFields(s: SnapshotOf['ip']): FieldRow[] {
  const { v, row } = reader(s);
  const asn = s.network?.asNumber;
  const proxyTypes = s.anonymizer?.proxyTypes ?? null;
  const isAnonymous = s.anonymizer?.isAnonymous;
  const countryCode = text(v('location.countryCode'));
  return [
    row('Address', 'ip', text(v('ip')), 'code'),
    row('Range', 'range', s.range === 'public' ? 'Public' : (text(v('label')) ?? text(v('range')))),
    row('Country', 'location.countryCode', [text(v('location.countryName')), countryCode && `(${countryCode})`].filter(Boolean).join(' ') || null),
    row('Region', 'location.region', text(v('location.region'))),
    row('City', 'location.city', text(v('location.city'))),
    row('Accuracy', 'location.accuracyRadiusKm', typeof s.location?.accuracyRadiusKm === 'number' ? `within ${s.location.accuracyRadiusKm} km` : null),
    row('ISP', 'network.isp', text(v('network.isp'))),
    row('Organisation', 'network.organization', text(v('network.organization'))),
    row(
      'ASN',
      'network.asNumber',
      typeof asn === 'number' ? `AS${asn}${text(v('network.asOrganization')) ? ` ${String(v('network.asOrganization'))}` : ''}` : null,
    ),
    row('Connection type', 'network.connectionType', text(v('network.connectionType'))),
    row('Network', 'network.network', text(v('network.network')), 'code'),
    row('Usage', 'usage.type', text(v('usage.type'))),
    row(
      'Anonymiser',
      'anonymizer',
      typeof isAnonymous === 'boolean' ? (isAnonymous ? `Yes${proxyTypes && proxyTypes.length > 0 ? `: ${proxyTypes.join(', ')}` : ''}` : 'No') : null,
    ),
    row('Anonymiser service', 'anonymizer.providerName', text(v('anonymizer.providerName'))),
    row('Risk score', 'anonymizer.riskScore', text(v('anonymizer.riskScore'))),
    row('Seen doing', 'anonymizer.threats', list(v('anonymizer.threats'))),
  ];
}

/** The labelled details of an entity's snapshot, by kind. Complex parts (rules in plain words, permissions, links) are shown by the page itself. */
export function entityFields(e: KindedSnapshot): FieldRow[] {
  switch (e.kind) {
    case 'user':
    case 'mailbox':
      return userFields(e.snapshot);
    case 'app':
      return appFields(e.snapshot);
    case 'inbox_rule':
      return inboxRuleFields(e.snapshot);
    case 'mail_flow_rule':
      return mailFlowRuleFields(e.snapshot);
    case 'link':
      return linkFields(e.snapshot);
    case 'ip':
      return ipFields(e.snapshot);
  }
}

/** A rule's description in plain words: clauses of our words (`text`) and the rule's own values (`value`). */
export type RuleClause = Schemas['RuleClause'];

export function ruleClauses(e: KindedSnapshot): { conditions: RuleClause[]; exceptions: RuleClause[]; actions: RuleClause[] } | null {
  if (e.kind !== 'inbox_rule' && e.kind !== 'mail_flow_rule') return null;
  const { conditions, exceptions, actions } = e.snapshot.description;
  return { conditions, exceptions, actions };
}

/** Snapshot parts that could not be read while the rest could (`missing`). */
export function missingParts(e: KindedSnapshot | null): { part: string; message: string }[] {
  return e && 'missing' in e.snapshot ? e.snapshot.missing : [];
}

/** Seconds from a Retry-After header (seconds or an HTTP date); null when absent or unreadable. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}
