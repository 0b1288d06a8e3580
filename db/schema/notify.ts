import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { msp } from './msp.ts';
import { appUser } from './user.ts';
import { securityEvent } from './event.ts';
import { deliveryStatus, triggerActionKind } from './enums.ts';

/** "When an event matches this condition, do these actions." */
export const trigger = pgTable(
  'trigger',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id').notNull().references(() => msp.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Filter-language expression over the event. */
    condition: text('condition').notNull(),
    /** Restrict to these tenants; null means every tenant. */
    tenantIds: uuid('tenant_ids').array(),
    enabled: boolean('enabled').notNull().default(true),
    createdBy: uuid('created_by').references(() => appUser.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('trigger_msp_idx').on(t.mspId)],
);

/** One action of a trigger: an email, a web request, a Slack or Teams message. */
export const triggerAction = pgTable(
  'trigger_action',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    triggerId: uuid('trigger_id').notNull().references(() => trigger.id, { onDelete: 'cascade' }),
    mspId: uuid('msp_id').notNull().references(() => msp.id, { onDelete: 'cascade' }),
    kind: triggerActionKind('kind').notNull(),
    /** Non-secret settings: recipients, URL, method, templates with `{Event.Field}` placeholders. */
    config: jsonb('config').$type<Record<string, unknown>>().notNull().default({}),
    /** AES-256-GCM envelope of the secret part (webhook signing secret, bot token), if any. */
    secretEnc: text('secret_enc'),
    /** Order of execution within the trigger, from 0. */
    position: integer('position').notNull().default(0),
  },
  (t) => [index('trigger_action_trigger_idx').on(t.triggerId)],
);

/**
 * The outbox: one row per (action, event), written in the transaction that matched the event,
 * then sent by a worker with retries. The unique key makes a re-run send nothing twice.
 */
export const delivery = pgTable(
  'delivery',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id').notNull().references(() => msp.id, { onDelete: 'cascade' }),
    triggerActionId: uuid('trigger_action_id').references(() => triggerAction.id, { onDelete: 'set null' }),
    eventId: uuid('event_id').references(() => securityEvent.id, { onDelete: 'cascade' }),
    kind: triggerActionKind('kind').notNull(),
    status: deliveryStatus('status').notNull().default('pending'),
    /** The rendered message (recipients, subject, body or request), frozen at enqueue time. */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    /** Last failure in plain words, with the remote status code when there was one. */
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('delivery_action_event_key').on(t.triggerActionId, t.eventId),
    index('delivery_due_idx').on(t.status, t.nextAttemptAt),
    index('delivery_msp_time_idx').on(t.mspId, t.createdAt.desc()),
  ],
);
