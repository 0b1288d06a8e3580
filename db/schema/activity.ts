import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { msp } from './msp.ts';
import { tenant } from './tenant.ts';
import { activitySource } from './enums.ts';

/**
 * One audit record, normalised, with the raw record kept as Microsoft sent it.
 * The unique key makes ingest idempotent: the audit API repeats records across blobs.
 */
export const activity = pgTable(
  'activity',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenant.id, { onDelete: 'cascade' }),
    source: activitySource('source').notNull(),
    /** The record's own id (`Id` in the audit log, `id` in Graph). */
    recordId: text('record_id').notNull(),
    /** When it happened (CreationTime / createdDateTime / activityDateTime), UTC. */
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    /** When Tenantwatch stored it; `ingested_at - occurred_at` is the collection lag. */
    ingestedAt: timestamp('ingested_at', { withTimezone: true }).notNull().defaultNow(),
    /** AzureActiveDirectory, Exchange, SharePoint, OneDrive, MicrosoftTeams, ... */
    workload: text('workload').notNull(),
    /** e.g. `UserLoggedIn`, `New-InboxRule`, `Add member to role.` (trailing period kept). */
    operation: text('operation').notNull(),
    /** Management API RecordType number; null for Graph records. */
    recordType: integer('record_type'),
    /** Entra object id of the actor, when known. */
    actorId: text('actor_id'),
    /** UPN (or app name) of the actor, lower-case. */
    actorUpn: text('actor_upn'),
    /** Client address, parsed: port stripped, brackets removed, IPv4-mapped IPv6 unwrapped. */
    clientIp: text('client_ip'),
    userAgent: text('user_agent'),
    /** Outcome in the source's words (Success, Failed, True, False, an error code). */
    result: text('result'),
    /** What was acted on (ObjectId, target UPN, rule name, file path). */
    target: text('target'),
    raw: jsonb('raw').notNull(),
  },
  (t) => [
    uniqueIndex('activity_record_key').on(t.tenantId, t.source, t.recordId),
    index('activity_tenant_time_idx').on(t.tenantId, t.occurredAt),
    index('activity_actor_idx').on(t.tenantId, t.actorUpn, t.occurredAt),
    index('activity_ingested_idx').on(t.ingestedAt),
  ],
);

/** A record that could not be normalised; kept with the reason, never blocks its batch. */
export const activityQuarantine = pgTable(
  'activity_quarantine',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenant.id, { onDelete: 'cascade' }),
    source: activitySource('source').notNull(),
    reason: text('reason').notNull(),
    /** The record as received (text, since it may not even be JSON). */
    raw: text('raw').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('activity_quarantine_tenant_idx').on(t.tenantId, t.createdAt)],
);
