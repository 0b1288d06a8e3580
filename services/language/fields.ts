import { EVENT_STATUSES, SEVERITIES } from '../../db/schema/enums.ts';
import type { SnapshotOf } from '../../enrichment/entities/snapshots.ts';

/**
 * The field registry: every name the filter language knows, its type, what it means, and where
 * its value lives. Both compilers and the editors' autocomplete (`GET /language/fields`) read it,
 * and the field table in README.md is generated from it.
 */

export type FieldType = 'string' | 'number' | 'boolean' | 'datetime' | 'string[]';

/** Entity kinds the language can look into (kinds of `event_entity`). */
export const ENTITY_PREFIXES = { User: 'user', App: 'app', IP: 'ip' } as const;
export type FilterEntityKind = (typeof ENTITY_PREFIXES)[keyof typeof ENTITY_PREFIXES];

/**
 * The dotted paths into a snapshot's objects (`location.countryCode`); lists are leaves. The
 * registry names snapshot keys through it, so renaming a field an enricher records (its zod
 * schema, enrichment/entities/*-snapshot.ts) fails compilation here.
 */
export type SnapshotPath<T> = T extends readonly unknown[]
  ? never
  : T extends object
    ? {
        [K in keyof T & string]:
          K | (NonNullable<T[K]> extends readonly unknown[] ? never : NonNullable<T[K]> extends object ? `${K}.${SnapshotPath<NonNullable<T[K]>>}` : never);
      }[keyof T & string]
    : never;

/** One entity of an event as the JS predicate sees it: its key and the recorded snapshot (null until recorded). */
export type EntitySnapshot = {
  key: string;
  snapshot?: Readonly<Record<string, unknown>> | null;
};

/**
 * An event as the JS predicate reads it: the `security_event` columns the language exposes
 * (camelCase, as Drizzle returns them), the tenant's name, and the entity snapshots per kind.
 * Anything absent reads as missing (NULL). A row of `securityEvent` plus `tenantName` and
 * `entities` fits as is.
 */
export type FilterableEvent = {
  id?: string | null;
  tenantId?: string | null;
  tenantName?: string | null;
  detectionId?: string | null;
  title?: string | null;
  description?: string | null;
  severity?: string | null;
  status?: string | null;
  eventType?: string | null;
  operationResult?: string | null;
  userName?: string | null;
  networkAddress?: string | null;
  workload?: string | null;
  operation?: string | null;
  mitre?: readonly (string | null)[] | null;
  count?: number | null;
  firstSeenAt?: Date | null;
  lastSeenAt?: Date | null;
  createdAt?: Date | null;
  /** The event's `fields` jsonb: everything else a detection exposes. */
  fields?: Readonly<Record<string, unknown>> | null;
  entities?: Partial<Record<FilterEntityKind, readonly EntitySnapshot[]>> | null;
};

/** Event properties stored in their own `security_event` column. */
export type EventColumn =
  | 'id'
  | 'tenantId'
  | 'detectionId'
  | 'title'
  | 'description'
  | 'severity'
  | 'status'
  | 'eventType'
  | 'operationResult'
  | 'userName'
  | 'networkAddress'
  | 'workload'
  | 'operation'
  | 'mitre'
  | 'count'
  | 'firstSeenAt'
  | 'lastSeenAt'
  | 'createdAt';

/** Where a field's value comes from. */
export type FieldSource =
  | { from: 'column'; column: EventColumn }
  | { from: 'event-fields'; key: string }
  | { from: 'tenant-name' }
  | { from: 'entity-key'; entity: FilterEntityKind }
  /** `key` is a member of the snapshot, or a dotted path into it (`location.countryCode`). */
  | { from: 'entity-snapshot'; entity: FilterEntityKind; key: string };

export type FieldDefinition = {
  /** As written in expressions, e.g. `Event.EventType`. */
  name: string;
  type: FieldType;
  description: string;
  /** Typical values, for autocomplete and the docs. */
  examples: readonly (string | number | boolean)[];
  /** A closed set of values (checked when compared with `=`, `<>`, `IN`); lower-case, canonical. */
  values?: readonly string[];
  /** When set, `values` are in order and `<`, `<=`, `>`, `>=` compare by position. */
  ordered?: boolean;
  source: FieldSource;
  /**
   * True when one activity record carries the field, so custom detections (which run over
   * activity before any event exists) can read it; services/detection/activity-event.ts fills it.
   */
  overActivity?: true;
};

const col = (column: EventColumn): FieldSource => ({ from: 'column', column });
const ev = (key: string): FieldSource => ({ from: 'event-fields', key });
const snap = <K extends FilterEntityKind>(entity: K, key: SnapshotPath<SnapshotOf[K]>): FieldSource => ({ from: 'entity-snapshot', entity, key });

/**
 * Every field, in the order the docs list them. Snapshot keys are what the enrichers record in
 * `event_entity.snapshot`; `Event` keys outside the columns are what detections put in
 * `security_event.fields`.
 */
export const FIELDS: readonly FieldDefinition[] = [
  // Event: the security event itself.
  {
    name: 'Event.EventType',
    type: 'string',
    source: col('eventType'),
    description: 'What kind of activity the event is about, in the vocabulary of security triggers.',
    examples: ['LoginAttempt', 'ChangePasswordAttempt', 'InboxRuleCreated', 'AppConsent'],
    overActivity: true,
  },
  {
    name: 'Event.OperationResult',
    type: 'string',
    source: col('operationResult'),
    description: 'How the activity ended.',
    examples: ['Success', 'PasswordInvalid', 'OneTimePasswordInvalid', 'LockedOut', 'Failure'],
    overActivity: true,
  },
  {
    name: 'Event.UserName',
    type: 'string',
    source: col('userName'),
    description: "The primary user's UPN, lower-case; for Tenantwatch's own sign-in events, the account's email.",
    examples: ['megan@contoso.com'],
    overActivity: true,
  },
  {
    name: 'Event.UserSource',
    type: 'string',
    source: ev('userSource'),
    description:
      "Where the account lives: EntraID for a customer tenant's users; for sign-ins to Tenantwatch itself, Local (a Tenantwatch password) or Microsoft (Sign in with Microsoft).",
    examples: ['EntraID', 'Local', 'Microsoft'],
    overActivity: true,
  },
  {
    name: 'Event.NetworkAddress',
    type: 'string',
    source: col('networkAddress'),
    description: 'The primary client IP address.',
    examples: ['203.0.113.7', '2001:db8::1'],
    overActivity: true,
  },
  {
    name: 'Event.UserAgent',
    type: 'string',
    source: ev('userAgent'),
    description: 'The client user agent of the activity, as the client sent it.',
    examples: ['Mozilla/5.0 (Windows NT 10.0; Win64; x64)'],
    overActivity: true,
  },
  {
    name: 'Event.ClientApp',
    type: 'string',
    source: ev('clientApp'),
    description: 'The client application of a sign-in; legacy protocols show here.',
    examples: ['Browser', 'Exchange ActiveSync', 'IMAP4', 'Authenticated SMTP'],
    overActivity: true,
  },
  {
    name: 'Event.Target',
    type: 'string',
    source: ev('target'),
    description: 'What was acted on: a target user, a rule name, a file path.',
    examples: ['finance@contoso.com', 'Move to RSS'],
    overActivity: true,
  },
  {
    name: 'Event.Time',
    type: 'datetime',
    source: col('lastSeenAt'),
    description: 'When the event last happened (same as Event.LastSeen).',
    examples: ['2026-11-01T00:00:00Z', 'NOW - 7d'],
    overActivity: true,
  },
  {
    name: 'Event.FirstSeen',
    type: 'datetime',
    source: col('firstSeenAt'),
    description: 'When the first activity of the event happened.',
    examples: ['2026-11-01'],
    overActivity: true,
  },
  {
    name: 'Event.LastSeen',
    type: 'datetime',
    source: col('lastSeenAt'),
    description: 'When the latest activity of the event happened.',
    examples: ['NOW - 24h'],
    overActivity: true,
  },
  { name: 'Event.Created', type: 'datetime', source: col('createdAt'), description: 'When Tenantwatch raised the event.', examples: ['NOW - 1h'] },
  {
    name: 'Event.Tenant',
    type: 'string',
    source: { from: 'tenant-name' },
    description: "The customer tenant's name in Tenantwatch.",
    examples: ['Contoso', 'Fabrikam Ltd'],
    overActivity: true,
  },
  {
    name: 'Event.TenantId',
    type: 'string',
    source: col('tenantId'),
    description: "The tenant's id in Tenantwatch.",
    examples: ['6f1c2c1e-0d5b-4a57-9a43-2f4b8e8d1b10'],
    overActivity: true,
  },
  {
    name: 'Event.Detection',
    type: 'string',
    source: col('detectionId'),
    description: 'The id of the detection that raised the event.',
    examples: ['M365.Exchange.ExternalForwarding', 'M365.SignIn.BruteForce'],
  },
  {
    name: 'Event.Severity',
    type: 'string',
    source: col('severity'),
    values: SEVERITIES,
    ordered: true,
    description: "How serious the event is; ordered, so `Event.Severity >= 'high'` works.",
    examples: [...SEVERITIES],
  },
  {
    name: 'Event.Status',
    type: 'string',
    source: col('status'),
    values: EVENT_STATUSES,
    description: 'Where the event is in its life.',
    examples: [...EVENT_STATUSES],
  },
  {
    name: 'Event.Workload',
    type: 'string',
    source: col('workload'),
    description: 'The Microsoft 365 service the activity happened in (Tenantwatch for its own sign-in events).',
    examples: ['AzureActiveDirectory', 'Exchange', 'SharePoint', 'OneDrive', 'MicrosoftTeams', 'Tenantwatch'],
    overActivity: true,
  },
  {
    name: 'Event.Operation',
    type: 'string',
    source: col('operation'),
    description: 'The audit operation, as Microsoft names it.',
    examples: ['UserLoggedIn', 'New-InboxRule', 'Set-Mailbox', 'Add member to role.'],
    overActivity: true,
  },
  {
    name: 'Event.Title',
    type: 'string',
    source: col('title'),
    description: 'The headline shown in the Report table.',
    examples: ['Inbox rule forwards mail outside the organisation'],
  },
  {
    name: 'Event.Description',
    type: 'string',
    source: col('description'),
    description: 'The plain-words description of the event.',
    examples: ['megan@contoso.com created a rule that forwards to an outside address'],
  },
  { name: 'Event.Count', type: 'number', source: col('count'), description: 'How many matching activities the event stands for.', examples: [1, 25] },
  {
    name: 'Event.Mitre',
    type: 'string[]',
    source: col('mitre'),
    description: 'MITRE ATT&CK tactic and technique ids of the detection.',
    examples: ['TA0009:T1114.003', 'TA0006:T1110'],
  },
  { name: 'Event.Id', type: 'string', source: col('id'), description: "The event's id.", examples: ['0b6f4c0e-7d43-4d8e-9e7a-3c1b2a9f8e11'] },

  // User: the users involved (entity kind `user`).
  {
    name: 'User.UserPrincipalName',
    type: 'string',
    source: snap('user', 'userPrincipalName'),
    description: "The user's UPN.",
    examples: ['megan@contoso.com'],
    overActivity: true,
  },
  { name: 'User.DisplayName', type: 'string', source: snap('user', 'displayName'), description: "The user's display name.", examples: ['Megan Bowen'] },
  {
    name: 'User.Status',
    type: 'string',
    source: snap('user', 'status'),
    description: 'Whether the account can sign in.',
    examples: ['enabled', 'disabled', 'deleted'],
  },
  { name: 'User.UserType', type: 'string', source: snap('user', 'userType'), description: 'Member or guest.', examples: ['Member', 'Guest'] },
  { name: 'User.Department', type: 'string', source: snap('user', 'department'), description: "The user's department.", examples: ['Finance', 'IT'] },
  { name: 'User.JobTitle', type: 'string', source: snap('user', 'jobTitle'), description: "The user's job title.", examples: ['Accountant'] },
  {
    name: 'User.Country',
    type: 'string',
    source: snap('user', 'country'),
    description: "The user's country in the directory (usage location).",
    examples: ['NL', 'US'],
  },
  {
    name: 'User.IsAdmin',
    type: 'boolean',
    source: snap('user', 'isAdmin'),
    description: 'The user holds a privileged directory role.',
    examples: [true, false],
  },
  {
    name: 'User.Roles',
    type: 'string[]',
    source: snap('user', 'roles'),
    description: "The user's directory roles.",
    examples: ['Global Administrator', 'Exchange Administrator'],
  },
  {
    name: 'User.MfaRegistered',
    type: 'boolean',
    source: snap('user', 'mfaRegistered'),
    description: 'The user has registered a strong authentication method.',
    examples: [true, false],
  },
  {
    name: 'User.RiskLevel',
    type: 'string',
    source: snap('user', 'riskLevel'),
    description: 'Identity Protection user risk.',
    examples: ['none', 'low', 'medium', 'high'],
  },
  {
    name: 'User.IsBreakGlass',
    type: 'boolean',
    source: snap('user', 'isBreakGlass'),
    description: "The account is one of the tenant's configured break-glass accounts.",
    examples: [true, false],
  },

  // App: applications involved (entity kind `app`).
  { name: 'App.Name', type: 'string', source: snap('app', 'displayName'), description: "The application's display name.", examples: ['Mail Backup Pro'] },
  {
    name: 'App.AppId',
    type: 'string',
    source: snap('app', 'appId'),
    description: 'The application (client) id.',
    examples: ['00000003-0000-0000-c000-000000000000'],
  },
  {
    name: 'App.Publisher',
    type: 'string',
    source: snap('app', 'publisher'),
    description: "The publisher's name as the app declares it.",
    examples: ['Contoso Software'],
  },
  {
    name: 'App.VerifiedPublisher',
    type: 'boolean',
    source: snap('app', 'verifiedPublisher'),
    description: 'Microsoft has verified the publisher.',
    examples: [true, false],
  },
  {
    name: 'App.IsMicrosoft',
    type: 'boolean',
    source: snap('app', 'isMicrosoft'),
    description: 'A first-party Microsoft application.',
    examples: [true, false],
  },
  {
    name: 'App.Permissions',
    type: 'string[]',
    source: snap('app', 'permissions'),
    description: 'Permissions granted to the app (delegated scopes and application roles).',
    examples: ['Mail.Read', 'Mail.ReadWrite', 'Files.ReadWrite.All'],
  },
  {
    name: 'App.ConsentType',
    type: 'string',
    source: snap('app', 'consentType'),
    description: 'Who the consent covers: one user or every user (admin consent).',
    examples: ['Principal', 'AllPrincipals'],
  },

  // IP: addresses involved (entity kind `ip`), with what IP intelligence recorded.
  {
    name: 'IP.Address',
    type: 'string',
    source: { from: 'entity-key', entity: 'ip' },
    description: 'The IP address.',
    examples: ['203.0.113.7'],
    overActivity: true,
  },
  {
    name: 'IP.CountryCode',
    type: 'string',
    source: snap('ip', 'location.countryCode'),
    description: 'ISO 3166-1 alpha-2 country code.',
    examples: ['NL', 'US', 'NG'],
  },
  { name: 'IP.Country', type: 'string', source: snap('ip', 'location.countryName'), description: 'Country name.', examples: ['Netherlands', 'United States'] },
  { name: 'IP.Region', type: 'string', source: snap('ip', 'location.region'), description: 'Region or state.', examples: ['North Holland', 'Virginia'] },
  { name: 'IP.City', type: 'string', source: snap('ip', 'location.city'), description: 'City.', examples: ['Amsterdam', 'Ashburn'] },
  { name: 'IP.ASN', type: 'number', source: snap('ip', 'network.asNumber'), description: 'Autonomous system number.', examples: [8075, 16509] },
  {
    name: 'IP.ISP',
    type: 'string',
    source: snap('ip', 'network.isp'),
    description: 'Internet service provider or network owner.',
    examples: ['Microsoft Corporation', 'Amazon.com, Inc.'],
  },
  {
    name: 'IP.UsageType',
    type: 'string',
    source: snap('ip', 'usage.type'),
    description: 'What the network is used for.',
    examples: ['isp', 'business', 'hosting', 'mobile', 'education'],
  },
  {
    name: 'IP.IsAnonymous',
    type: 'boolean',
    source: snap('ip', 'anonymizer.isAnonymous'),
    description: 'The address is an anonymiser: VPN, Tor or public proxy.',
    examples: [true, false],
  },
  {
    name: 'IP.ProxyType',
    type: 'string[]',
    source: snap('ip', 'anonymizer.proxyTypes'),
    description: 'The kinds of anonymiser the address is, when it is one.',
    examples: ['vpn', 'tor', 'public-proxy', 'hosting', 'residential-proxy'],
  },
  { name: 'IP.Latitude', type: 'number', source: snap('ip', 'location.latitude'), description: 'Approximate latitude.', examples: [52.37] },
  { name: 'IP.Longitude', type: 'number', source: snap('ip', 'location.longitude'), description: 'Approximate longitude.', examples: [4.89] },
];

const BY_LOWER_NAME: ReadonlyMap<string, FieldDefinition> = new Map(FIELDS.map((f) => [f.name.toLowerCase(), f]));

/** Field names are case-insensitive like keywords: `event.eventtype` is `Event.EventType`. */
export function findField(name: string): FieldDefinition | undefined {
  return BY_LOWER_NAME.get(name.toLowerCase());
}

/** Where a field's value is stored, in words, for the docs and the API. */
export function describeSource(source: FieldSource): string {
  switch (source.from) {
    case 'column':
      return `security_event.${snakeCase(source.column)}`;
    case 'event-fields':
      return `security_event.fields->'${source.key}'`;
    case 'tenant-name':
      return "tenant.name of the event's tenant";
    case 'entity-key':
      return `event_entity.key (kind '${source.entity}')`;
    case 'entity-snapshot':
      return `event_entity.snapshot${source.key
        .split('.')
        .map((k) => `->'${k}'`)
        .join('')} (kind '${source.entity}')`;
  }
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** What `GET /language/fields` serves: the registry without storage internals. */
export type FieldReference = {
  name: string;
  type: FieldType;
  description: string;
  examples: (string | number | boolean)[];
  values?: string[];
  ordered?: boolean;
  /** True when an event can have several values (several entities of the kind, or a list field). */
  multiValued: boolean;
  storedIn: string;
  /** Readable in custom detections, which run over single activity records. */
  overActivity: boolean;
};

export function fieldReference(): FieldReference[] {
  return FIELDS.map((f) => {
    const ref: FieldReference = {
      name: f.name,
      type: f.type,
      description: f.description,
      examples: [...f.examples],
      multiValued: isMultiValued(f),
      storedIn: describeSource(f.source),
      overActivity: f.overActivity === true,
    };
    if (f.values) ref.values = [...f.values];
    if (f.ordered) ref.ordered = true;
    return ref;
  });
}

/** Entity fields and list fields hold a set of values per event; the language quantifies over it. */
export function isMultiValued(field: FieldDefinition): boolean {
  return field.type === 'string[]' || field.source.from === 'entity-key' || field.source.from === 'entity-snapshot';
}
