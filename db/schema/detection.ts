import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { msp } from './msp.ts';
import { tenant } from './tenant.ts';
import { activity } from './activity.ts';
import { securityEvent } from './event.ts';

/**
 * What stateful detections remember between batches: timestamped facts per series and key
 * (failed sign-ins per user, failing users per IP, countries per user, the tenant's domains).
 * `item_id` is the fact's identity (a sign-in's request id, a country and day), so storing
 * the same fact twice (a re-run, or one sign-in in both Graph and the audit log) is a no-op.
 */
export const detectionState = pgTable(
  'detection_state',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenant.id, { onDelete: 'cascade' }),
    /** Series name, e.g. `signin-failures-by-user` (services/detection/series.ts). */
    series: text('series').notNull(),
    key: text('key').notNull(),
    itemId: text('item_id').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.series, t.key, t.itemId] }),
    index('detection_state_window_idx').on(t.tenantId, t.series, t.key, t.at),
    index('detection_state_prune_idx').on(t.tenantId, t.series, t.at),
  ],
);

/**
 * Activities detection has processed. Written in the same transaction as the events and state
 * they caused, so an activity sent again (a retried job, an overlapping collection pass)
 * changes nothing, and a crash before commit leaves it unprocessed.
 */
export const detectionProcessed = pgTable(
  'detection_processed',
  {
    activityId: uuid('activity_id')
      .primaryKey()
      .references(() => activity.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenant.id, { onDelete: 'cascade' }),
    processedAt: timestamp('processed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('detection_processed_tenant_idx').on(t.tenantId, t.processedAt)],
);

/**
 * The distinct occurrences an event counts. One sign-in arrives twice (Graph signIns and the
 * audit log, same request id) and one directory change twice (directoryAudits and the audit
 * log, same correlation id): both activities are linked, the count rises once.
 */
export const eventOccurrence = pgTable(
  'event_occurrence',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => securityEvent.id, { onDelete: 'cascade' }),
    occurrenceKey: text('occurrence_key').notNull(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.occurrenceKey] })],
);

/**
 * Detection settings (thresholds, severities, disabled rules, break-glass accounts) for an MSP
 * (`tenant_id` null) or one tenant; the tenant's row overrides the MSP's, which overrides the
 * defaults in services/detection/settings.ts.
 */
export const detectionSettings = pgTable(
  'detection_settings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id').references(() => tenant.id, { onDelete: 'cascade' }),
    settings: jsonb('settings')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('detection_settings_scope_key').on(t.mspId, t.tenantId).nullsNotDistinct()],
);
