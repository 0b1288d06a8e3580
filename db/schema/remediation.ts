import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { msp } from './msp.ts';
import { tenant } from './tenant.ts';
import { appUser } from './user.ts';
import { securityEvent } from './event.ts';
import { remediationStatus } from './enums.ts';

/** A requested remediation action; actions that need approval wait in `pending_approval`. */
export const remediationRequest = pgTable(
  'remediation_request',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenant.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id').references(() => securityEvent.id, { onDelete: 'set null' }),
    /** Kebab-case action name, e.g. `block-sign-in`, `disable-inbox-rule`. */
    action: text('action').notNull(),
    /** The target, e.g. `{ "kind": "user", "key": "adele@contoso.com" }`. */
    entity: jsonb('entity').$type<Record<string, unknown>>().notNull(),
    status: remediationStatus('status').notNull(),
    requestedBy: uuid('requested_by').references(() => appUser.id, { onDelete: 'set null' }),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
    decidedBy: uuid('decided_by').references(() => appUser.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decisionNote: text('decision_note'),
    /** What the remote system answered (ids, before/after values). */
    result: jsonb('result').$type<Record<string, unknown>>(),
    /** Failure in plain words. */
    error: text('error'),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    /** The state the action changed, read just before changing it: what undo puts back. */
    before: jsonb('before').$type<Record<string, unknown>>(),
    /** A pending approval nobody decided by then expires. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    /** Set on an undo: the action it reverses (its `before` is what the undo restores). */
    undoOf: uuid('undo_of').references((): AnyPgColumn => remediationRequest.id, { onDelete: 'set null' }),
    undoneAt: timestamp('undone_at', { withTimezone: true }),
    /** Times the job started running it (a retried job counts again). */
    attempts: integer('attempts').notNull().default(0),
    /**
     * Reset password's temporary password, sealed with TW_SECRET_KEY, until the requester reads it
     * once; then null. Never in `result`, never logged.
     */
    secretEnc: text('secret_enc'),
    /** What asked for it when no person did: `{ "trigger": { "id", "name" } }`. */
    origin: jsonb('origin').$type<Record<string, unknown>>(),
  },
  (t) => [
    index('remediation_request_msp_status_idx').on(t.mspId, t.status, t.requestedAt.desc()),
    index('remediation_request_event_idx').on(t.eventId),
    // A trigger's retried delivery finds the request its first attempt made, and can never add a second.
    uniqueIndex('remediation_request_idempotency_key').on(sql`(${t.origin}->>'idempotencyKey')`),
    index('remediation_request_pending_idx')
      .on(t.expiresAt)
      .where(sql`${t.status} = 'pending_approval'`),
  ],
);

/**
 * Whether an action type runs at once or waits for an approver, for an MSP (tenantId null) or
 * one of its tenants (which wins). Without a row the built-in default applies.
 */
export const remediationPolicy = pgTable(
  'remediation_policy',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id').references(() => tenant.id, { onDelete: 'cascade' }),
    action: text('action').notNull(),
    requireApproval: boolean('require_approval').notNull(),
    /** Whether the person who asked may approve it themselves (off unless said). */
    allowSelfApproval: boolean('allow_self_approval').notNull().default(false),
    updatedBy: uuid('updated_by').references(() => appUser.id, { onDelete: 'set null' }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('remediation_policy_msp_action_key')
      .on(t.mspId, t.action)
      .where(sql`${t.tenantId} is null`),
    uniqueIndex('remediation_policy_tenant_action_key')
      .on(t.mspId, t.tenantId, t.action)
      .where(sql`${t.tenantId} is not null`),
  ],
);
