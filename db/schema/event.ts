import { sql } from 'drizzle-orm';
import { type AnyPgColumn, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { msp } from './msp.ts';
import { tenant } from './tenant.ts';
import { activity } from './activity.ts';
import { appUser } from './user.ts';
import { entityKind, eventStatus, severity, snapshotStatus } from './enums.ts';

/**
 * The text the Report's free-text search looks in: title, description, user name and IP address,
 * one per line. A trigram index (pg_trgm) on it lets `ILIKE '%…%'` find matches among every event
 * without reading them all; the search still tests each column on its own, so a match never
 * straddles two of them.
 */
export function eventSearchText(t: { title: AnyPgColumn; description: AnyPgColumn; userName: AnyPgColumn; networkAddress: AnyPgColumn }) {
  return sql`(${t.title} || E'\\n' || ${t.description} || E'\\n' || coalesce(${t.userName}, '') || E'\\n' || coalesce(${t.networkAddress}, ''))`;
}

/**
 * A security event raised by a detection. Repeats within the detection's window raise `count`
 * and `last_seen_at` on the one open event instead of creating another (see `dedup_key`).
 */
export const securityEvent = pgTable(
  'security_event',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenant.id, { onDelete: 'cascade' }),
    /** Detection id, e.g. `M365.Exchange.ExternalForwarding`, or `custom.<uuid>`. */
    detectionId: text('detection_id').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull(),
    severity: severity('severity').notNull(),
    /** MITRE ATT&CK ids, `TA0009:T1114.003` form. */
    mitre: text('mitre')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    status: eventStatus('status').notNull().default('open'),
    /** Filter-language vocabulary, denormalised for the Report table filter (Event.EventType etc.). */
    eventType: text('event_type'),
    operationResult: text('operation_result'),
    /** Primary user's UPN, lower-case. */
    userName: text('user_name'),
    /** Primary client IP address. */
    networkAddress: text('network_address'),
    workload: text('workload'),
    operation: text('operation'),
    /** The runbook shown on the event page, as the detection had it when the event was raised. */
    howToReact: text('how_to_react').notNull().default(''),
    /** Every other field a detection exposes to the filter language. */
    fields: jsonb('fields').$type<Record<string, unknown>>().notNull().default({}),
    /** Detection-specific key of the primary entity; one open event per (tenant, detection, key). */
    dedupKey: text('dedup_key').notNull(),
    /** How many matching activities this event stands for. */
    count: integer('count').notNull().default(1),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    ignoredAt: timestamp('ignored_at', { withTimezone: true }),
    /** Who ignored it by hand; null when a whitelist rule did. */
    ignoredBy: uuid('ignored_by').references(() => appUser.id, { onDelete: 'set null' }),
    ignoreReason: text('ignore_reason'),
    /** The whitelist rule that ignored it automatically, if any. */
    whitelistRuleId: uuid('whitelist_rule_id'),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  (t) => [
    // Report table: one keyset index per sort, (msp, sort key, last seen, id), read forwards for
    // ascending and backwards for descending; status and the other filters are checked on the rows
    // the index hands over. Plain ascending columns on purpose: Drizzle's `.desc()` means DESC NULLS
    // LAST, which matches neither ORDER BY … DESC (nulls first) nor ASC, so the planner sorted instead.
    index('security_event_report_idx').on(t.mspId, t.status, t.lastSeenAt, t.id),
    index('security_event_msp_time_idx').on(t.mspId, t.lastSeenAt, t.id),
    index('security_event_first_seen_idx').on(t.mspId, t.firstSeenAt, t.id),
    index('security_event_severity_idx').on(t.mspId, t.severity, t.lastSeenAt, t.id),
    index('security_event_count_idx').on(t.mspId, t.count, t.lastSeenAt, t.id),
    index('security_event_title_idx').on(t.mspId, t.title, t.lastSeenAt, t.id),
    index('security_event_detection_idx').on(t.mspId, t.detectionId, t.lastSeenAt, t.id),
    // Counts by severity (capped per severity) read this index alone, whatever the indexed filters.
    index('security_event_count_by_severity_idx').on(t.mspId, t.severity, t.status, t.tenantId, t.detectionId, t.lastSeenAt),
    // Per tenant: the tenant filter and the tenant sort (which reads each tenant in turn).
    index('security_event_tenant_time_idx').on(t.tenantId, t.lastSeenAt, t.id),
    // Related events on the event page: the same user or IP address anywhere in the MSP.
    index('security_event_user_idx').on(t.mspId, t.userName, t.lastSeenAt),
    index('security_event_ip_idx').on(t.mspId, t.networkAddress, t.lastSeenAt),
    // Free-text search over every event (eventSearchText).
    index('security_event_search_idx').using('gin', sql`${eventSearchText(t)} gin_trgm_ops`),
    uniqueIndex('security_event_open_dedup_key')
      .on(t.tenantId, t.detectionId, t.dedupKey)
      .where(sql`${t.status} = 'open'`),
  ],
);

/** An entity involved in an event, with the snapshot recorded when the event was detected. */
export const eventEntity = pgTable(
  'event_entity',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => securityEvent.id, { onDelete: 'cascade' }),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    kind: entityKind('kind').notNull(),
    /** Identity within its kind: UPN or object id, app id, rule identity, sharing link id, IP. */
    key: text('key').notNull(),
    /** Remediation actions that apply to this entity (kebab-case names, e.g. `disable-inbox-rule`). */
    remediations: text('remediations')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** True for the entity remediation targets when the request names none. */
    isPrimary: boolean('is_primary').notNull().default(false),
    snapshotStatus: snapshotStatus('snapshot_status').notNull().default('pending'),
    /** What enrichment found at detection time; written once, never changed. */
    snapshot: jsonb('snapshot').$type<Record<string, unknown>>(),
    /** Why the snapshot is missing (entity deleted, permission missing, provider has no data). */
    unavailableReason: text('unavailable_reason'),
    recordedAt: timestamp('recorded_at', { withTimezone: true }),
    /** Enrichment attempts so far, for backoff. */
    attempts: integer('attempts').notNull().default(0),
  },
  (t) => [
    uniqueIndex('event_entity_key').on(t.eventId, t.kind, t.key),
    index('event_entity_lookup_idx').on(t.mspId, t.kind, t.key),
    // Entities without a snapshot (pending or unavailable): the enrichment metrics count these without reading the recorded ones.
    index('event_entity_unrecorded_idx')
      .on(t.kind, t.snapshotStatus)
      .where(sql`${t.snapshotStatus} <> 'recorded'`),
  ],
);

/** The activity records an event stands for (the raw JSON shown on the event page). */
export const eventActivity = pgTable(
  'event_activity',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => securityEvent.id, { onDelete: 'cascade' }),
    activityId: uuid('activity_id')
      .notNull()
      .references(() => activity.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.activityId] }), index('event_activity_activity_idx').on(t.activityId)],
);

/** A rule that ignores matching events automatically (an MSP-wide or per-tenant exception). */
export const whitelistRule = pgTable(
  'whitelist_rule',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    /** Null: applies to every tenant of the MSP. */
    tenantId: uuid('tenant_id').references(() => tenant.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Filter-language expression, e.g. `Event.Detection = 'X' AND IP.CountryCode = 'NL'`. */
    expression: text('expression').notNull(),
    /** Why this is safe to ignore; required. */
    reason: text('reason').notNull(),
    createdBy: uuid('created_by').references(() => appUser.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** After this time the rule stops applying. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    enabled: boolean('enabled').notNull().default(true),
    /** Events ignored by this rule so far. */
    hits: integer('hits').notNull().default(0),
  },
  (t) => [index('whitelist_rule_msp_idx').on(t.mspId)],
);
