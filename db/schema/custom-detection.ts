import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { msp } from './msp.ts';
import { tenant } from './tenant.ts';
import { appUser } from './user.ts';
import { customDetectionDedup, severity } from './enums.ts';

/**
 * A detection an MSP writes itself: a filter-language expression evaluated over each new
 * activity record of its tenants, raising events as `custom.<id>` like the built-ins.
 */
export const customDetection = pgTable(
  'custom_detection',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    /** Null: runs for every tenant of the MSP, also those added later. */
    tenantId: uuid('tenant_id').references(() => tenant.id, { onDelete: 'cascade' }),
    /** The event's headline in the Report table. */
    title: text('title').notNull(),
    /** What the detection looks for, in plain words; also the raised event's description. */
    description: text('description').notNull().default(''),
    /** Filter-language expression over activity, e.g. `Event.EventType = 'LoginAttempt' AND Event.OperationResult = 'LockedOut'`. */
    expression: text('expression').notNull(),
    severity: severity('severity').notNull(),
    /** MITRE ATT&CK ids, `TA0006:T1110` form. */
    mitre: text('mitre')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** The runbook shown on the event page; copied into each event raised. */
    howToReact: text('how_to_react').notNull().default(''),
    /** Repeats with the same dedup key within this many minutes join the open event. */
    dedupMinutes: integer('dedup_minutes').notNull().default(60),
    /** What makes repeats the same event: the activity's user, IP, both, or nothing. */
    dedupBy: customDetectionDedup('dedup_by').notNull().default('user'),
    enabled: boolean('enabled').notNull().default(true),
    createdBy: uuid('created_by').references(() => appUser.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Changes on every edit; the engine's compiled predicates are cached by (id, updated_at). */
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('custom_detection_msp_idx').on(t.mspId, t.tenantId)],
);
