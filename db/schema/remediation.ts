import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
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
    mspId: uuid('msp_id').notNull().references(() => msp.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id').notNull().references(() => tenant.id, { onDelete: 'cascade' }),
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
  },
  (t) => [
    index('remediation_request_msp_status_idx').on(t.mspId, t.status, t.requestedAt.desc()),
    index('remediation_request_event_idx').on(t.eventId),
  ],
);
