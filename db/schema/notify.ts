import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { msp } from './msp.ts';
import { appUser } from './user.ts';
import { securityEvent } from './event.ts';
import { deliveryStatus, riskBandEnum, triggerActionKind, triggerDeliveryMode, triggerKind } from './enums.ts';
import { tenant } from './tenant.ts';

/**
 * "When an event matches this condition, do these actions." The scope is every tenant (no
 * tenants and no groups named), or the tenants named plus the members of the groups named, read
 * when the event is stored. Tenantwatch's own sign-in events belong to no tenant: only triggers
 * over every tenant see them.
 */
export const trigger = pgTable(
  'trigger',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** What sets it off: each new event (`event`), a user's risk score entering a band (`score`), a cron schedule (`schedule`). */
    kind: triggerKind('kind').notNull().default('event'),
    /**
     * Filter-language expression over the event. `schedule`: which events the report covers
     * (empty: all). `score`: unused (empty); the score counts every open event of the user.
     */
    condition: text('condition').notNull(),
    /** Restrict to these tenants; null means every tenant. */
    tenantIds: uuid('tenant_ids').array(),
    /** Restrict to the members of these tenant groups (with `tenantIds`, either covers); null: none named. */
    tenantGroupIds: uuid('tenant_group_ids').array(),
    enabled: boolean('enabled').notNull().default(true),
    deliveryMode: triggerDeliveryMode('delivery_mode').notNull().default('immediate'),
    /** With `gathered`: the events of this many minutes go out as one message per action. */
    gatherMinutes: integer('gather_minutes').notNull().default(15),
    /** `score`: the band the score must enter to fire ("this band or above"). */
    scoreBand: riskBandEnum('score_band'),
    /** `schedule`: a five-field cron expression, read in `timeZone`. */
    cron: text('cron'),
    /** `schedule`: the IANA time zone of the cron expression. */
    timeZone: text('time_zone'),
    /** `schedule`: the next due time; a worker takes it under a row lock and moves it on. */
    nextRunAt: timestamp('next_run_at', { withTimezone: true }),
    /** `schedule`: the due time of the last run; the next report covers the events since it. */
    lastRunAt: timestamp('last_run_at', { withTimezone: true }),
    /** A pre-built trigger's key (`security.locked-out`), so seeding it again changes nothing. */
    builtinKey: text('builtin_key'),
    createdBy: uuid('created_by').references(() => appUser.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('trigger_msp_idx').on(t.mspId),
    uniqueIndex('trigger_builtin_key').on(t.mspId, t.builtinKey),
    index('trigger_schedule_due_idx')
      .on(t.nextRunAt)
      .where(sql`${t.kind} = 'schedule' and ${t.enabled}`),
  ],
);

/**
 * A score trigger's memory per user: whether the user's score was in the trigger's band when last
 * evaluated. The trigger fires on the change from out to in; the row is locked while a
 * transaction evaluates it, so two transactions storing events for one user never both fire.
 */
export const triggerScoreState = pgTable(
  'trigger_score_state',
  {
    triggerId: uuid('trigger_id')
      .notNull()
      .references(() => trigger.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenant.id, { onDelete: 'cascade' }),
    /** Lower-case, as the risk score reads it. */
    userName: text('user_name').notNull(),
    inBand: boolean('in_band').notNull(),
    score: integer('score').notNull(),
    /** How many times the user's score entered the band (part of the deliveries' keys). */
    crossings: integer('crossings').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.triggerId, t.tenantId, t.userName] })],
);

/** One action of a trigger: an email, a web request, a Slack or Teams message. */
export const triggerAction = pgTable(
  'trigger_action',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    triggerId: uuid('trigger_id')
      .notNull()
      .references(() => trigger.id, { onDelete: 'cascade' }),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
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
 * A security event of Tenantwatch itself: a sign-in attempt to it or a password change. Written in
 * the transaction of the audit entry that records the step; triggers read it through the filter
 * language like any event (Event.EventType, Event.OperationResult, Event.UserName, …).
 */
export const productEvent = pgTable(
  'product_event',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    /** `LoginAttempt` or `ChangePasswordAttempt`. */
    eventType: text('event_type').notNull(),
    /** `Success`, `PasswordInvalid`, `OneTimePasswordInvalid`, `LockedOut`. */
    operationResult: text('operation_result').notNull(),
    userId: uuid('user_id').references(() => appUser.id, { onDelete: 'set null' }),
    /** The account's email as typed at sign-in, lower-case. */
    userName: text('user_name').notNull(),
    /** `Local` (a Tenantwatch password) or `Microsoft`. */
    userSource: text('user_source').notNull(),
    networkAddress: text('network_address'),
    userAgent: text('user_agent'),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('product_event_msp_time_idx').on(t.mspId, t.occurredAt)],
);

/**
 * The outbox: one row per (action, event), written in the transaction that stored the event,
 * then sent by the sender (services/notify/sender.ts) with retries. `idempotency_key` is unique,
 * so writing the same match again adds nothing; receivers see the same key on a re-send.
 */
export const delivery = pgTable(
  'delivery',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    triggerId: uuid('trigger_id').references(() => trigger.id, { onDelete: 'set null' }),
    triggerActionId: uuid('trigger_action_id').references(() => triggerAction.id, { onDelete: 'set null' }),
    eventId: uuid('event_id').references(() => securityEvent.id, { onDelete: 'cascade' }),
    productEventId: uuid('product_event_id').references(() => productEvent.id, { onDelete: 'cascade' }),
    kind: triggerActionKind('kind').notNull(),
    status: deliveryStatus('status').notNull().default('pending'),
    /** `<event or batch id>:<action id>`, or `test:<uuid>`; also the mail's Message-ID and the web request's Idempotency-Key. */
    idempotencyKey: text('idempotency_key').notNull(),
    /** A "Send test" from the editor, not a real match. */
    isTest: boolean('is_test').notNull().default(false),
    /**
     * What to send, frozen when the row is written: the action's settings, the event's field
     * values (or several events' when gathered), the "View event" link.
     */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    /** With gathered delivery: the window this row collects into; rows of one key go out as one message. */
    gatherKey: text('gather_key'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    /** While `sending`: when another sender may take the row back (its sender died). */
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    /** Last failure in plain words, with the remote status code when there was one. */
    lastError: text('last_error'),
    /** What the receiver answered on success (SMTP reply, HTTP status). */
    response: text('response'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('delivery_idempotency_key').on(t.idempotencyKey),
    index('delivery_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} in ('pending', 'failed')`),
    index('delivery_lease_idx')
      .on(t.leaseUntil)
      .where(sql`${t.status} = 'sending'`),
    index('delivery_msp_time_idx').on(t.mspId, t.createdAt.desc()),
    index('delivery_event_idx').on(t.eventId),
    index('delivery_product_event_idx').on(t.productEventId),
    index('delivery_trigger_idx').on(t.triggerId, t.createdAt),
  ],
);
