import type { NormalizedActivity } from '../activity/types.ts';
import type { z } from 'zod';
import type { ActivitySource, EntityKind, Severity } from '../../db/schema/index.ts';
import type { PartialIpIntel } from '../../enrichment/ip/types.ts';

/**
 * Remediation actions by their API names (ARCHITECTURE.md). A rule lists which apply to each
 * kind of entity it reports; the event page offers exactly those.
 */
export const REMEDIATION_ACTIONS = [
  'block-sign-in',
  'revoke-sessions',
  'reset-password',
  'require-mfa-reregistration',
  'confirm-compromised',
  'dismiss-user-risk',
  'disable-inbox-rule',
  'delete-inbox-rule',
  'remove-mailbox-forwarding',
  'disable-mail-flow-rule',
  'remove-mail-flow-rule',
  'remove-anonymous-link',
  'disable-app',
  'revoke-app-consent',
  'remove-teams-app',
] as const;
export type RemediationAction = (typeof REMEDIATION_ACTIONS)[number];

/** One stored activity as rules see it: the normalised columns plus the raw record. */
export type DetectionRecord = NormalizedActivity & {
  /** The activity row's id. */
  activityId: string;
  tenantId: string;
  source: ActivitySource;
  raw: unknown;
};

/** An entity a finding names. Remediations default to the rule's list for the entity's kind. */
export type EntityRef = {
  kind: EntityKind;
  /** UPN (lower-case), app id, `mailbox\rule`, rule name, item URL, IP address. */
  key: string;
  remediations?: readonly RemediationAction[];
};

/** What a rule reports about one activity; the engine turns it into (or merges it with) an event. */
export type Finding = {
  /** The entity the event is about: dedup is per (tenant, rule, primary key) within the window. */
  primary: EntityRef;
  /** Other entities involved (the actor, the IP, the rule, the app). */
  related?: EntityRef[];
  /** Overrides the primary entity's key for dedup (e.g. a domain name, an alert id). */
  dedupKey?: string;
  /** Plain words about this case: who did what to what, from where. */
  description: string;
  /** Overrides the rule's severity for this case (e.g. Global Administrator is critical). */
  severity?: Severity;
  /** Filter-language vocabulary (README.md: "Event fields"); null for activity outside it (custom detections). */
  eventType: string | null;
  operationResult: string | null;
  userName?: string | null;
  networkAddress?: string | null;
  target?: string | null;
  clientApp?: string | null;
  userAgent?: string | null;
  /** Further facts for the event page and the filter language's `fields` jsonb. */
  fields?: Record<string, unknown>;
  /**
   * Identity of the real-world occurrence, when one occurrence reaches us as several records
   * (a sign-in's request id; a directory change's correlation id and operation). Defaults to
   * the record id.
   */
  occurrenceKey?: string;
};

/** A remembered fact in a series (see series.ts). */
export type Observation = {
  key: string;
  /** Identity of the fact: storing it again is a no-op. */
  id: string;
  at: Date;
  data: Record<string, unknown>;
};

/** What the engine tells a rule about the tenant. */
export type TenantContext = {
  id: string;
  /** The tenant's own mail domains, lower-case: primary, initial (`.onmicrosoft.com`), learned, configured. */
  domains: ReadonlySet<string>;
  /** Accounts that must never be used day to day (lower-case UPNs). */
  breakGlassAccounts: ReadonlySet<string>;
  /** Users in the tenant's directory, as the collector last read it; null when not known (thresholds stay as configured). */
  userCount: number | null;
};

export type RuleContext<S> = {
  settings: S;
  tenant: TenantContext;
  /**
   * Facts of `series` under `key` between `from` and `to` (inclusive), oldest first, including
   * those of the record being evaluated and of the rest of its batch. Only series the rule
   * declares in `reads` are available, within the declared span.
   */
  window(series: SeriesName, key: string, from: Date, to: Date): readonly Observation[];
  /**
   * IP intelligence (location, network, usage, anonymiser) for a client address of the batch,
   * as the record carries it; null when the engine has no IP intelligence, the rule does not
   * declare `usesIpIntel`, or nobody knew the address.
   */
  ip(address: string | null | undefined): PartialIpIntel | null;
};

export type SeriesName =
  | 'signin-failures-by-user'
  | 'signin-failures-by-ip'
  | 'signin-successes-by-user'
  /** Every failed guess and accepted password of the tenant (key `*`), with network and user agent. */
  | 'signin-attempts-by-tenant'
  | 'signin-locations-by-user'
  | 'signin-countries-by-user'
  | 'signin-countries-by-tenant'
  | 'signin-days-by-tenant'
  | 'password-resets-by-actor'
  /** Role grants and removals and user deletions, per admin (key: the admin's UPN). */
  | 'directory-changes-by-actor'
  | 'privileged-users'
  | 'app-consents'
  | 'file-downloads-by-user'
  | 'file-deletions-by-user'
  /** The tenant's own domains learned from its records (engine-internal; rules get `tenant.domains`). */
  | 'tenant-domains';

/** Which span of a series a rule looks at around the record's time. */
export type SeriesRead<S> = {
  series: SeriesName;
  /** How far before the record's time the rule may look. */
  before(settings: S): number;
  /** How far after (late arrivals: a record processed after a later one). */
  after(settings: S): number;
};

export type SettingsSchema<S> = z.ZodType<S, unknown>;

/**
 * A built-in detection. `match` is pure and synchronous: no database, network or clock; stateful
 * rules read their window through `ctx.window`, filled by the engine from `detection_state`.
 */
export type Rule<S = Record<string, unknown>> = {
  /** `M365.<Area>.<Name>`. */
  id: string;
  title: string;
  severity: Severity;
  /** `TA0009:T1114.003` form. */
  mitre: readonly string[];
  /** What the detection looks for, in plain words. */
  description: string;
  /** The runbook shown on the event page. */
  howToReact: string;
  remediations: Partial<Record<EntityKind, readonly RemediationAction[]>>;
  /** Repeats for the same primary entity within this many minutes of the event join it. */
  dedupMinutes: number;
  /** Thresholds with defaults; overridable per MSP or tenant (settings.ts). */
  settings: SettingsSchema<S>;
  /** Which records can match: the engine only calls `match` for these (speed). */
  on: { sources?: readonly ActivitySource[]; operations: readonly string[] | 'any' };
  reads?: readonly SeriesRead<S>[];
  /** The engine resolves the client addresses of this rule's records before it runs (`ctx.ip`). */
  usesIpIntel?: boolean;
  /** Rules that, when they match the same activity, make this one redundant (the more specific event wins). */
  suppressedBy?: readonly string[];
  match(record: DetectionRecord, ctx: RuleContext<S>): Finding | null;
};

/**
 * A rule with its settings type erased, as the registry holds it. The engine only ever passes a
 * rule the value its own `settings` schema parsed, so the erasure is sound.
 */
export type RegisteredRule = Rule<unknown>;

/** Declares a rule; keeps `match`, `reads` and the settings schema checked against one another. */
export function defineRule<S>(rule: Rule<S>): RegisteredRule {
  return rule as unknown as RegisteredRule;
}

/** A labelled example: the records in Microsoft's shapes and whether the rule fires on the last. */
export type RuleCase = {
  name: string;
  expected: boolean;
  /** Earlier records (for stateful rules), in the order they are processed. */
  history?: CaseRecord[];
  record: CaseRecord;
  /** Extra tenant domains, break-glass accounts, rule settings. */
  settings?: Record<string, unknown>;
  /** What IP intelligence says about the addresses of the records (labelled, in the provider-neutral shape). */
  ipIntel?: Record<string, PartialIpIntel>;
  /** The tenant's directory user count (small-tenant thresholds); unknown when absent. */
  userCount?: number;
};

export type CaseRecord = { source: ActivitySource; raw: unknown };
