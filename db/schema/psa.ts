import { boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { msp } from './msp.ts';
import { tenant } from './tenant.ts';
import { securityEvent } from './event.ts';
import { psaKind } from './enums.ts';

/** An MSP's connection to its ConnectWise Manage or Autotask instance. */
export const psaConnection = pgTable(
  'psa_connection',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id').notNull().references(() => msp.id, { onDelete: 'cascade' }),
    kind: psaKind('kind').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    /** Non-secret settings: site URL, company id, board/queue, status and priority mappings, limits. */
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    /** AES-256-GCM envelope of the API keys / integration secret. */
    credentialsEnc: text('credentials_enc'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('psa_connection_msp_kind_key').on(t.mspId, t.kind)],
);

/** A ticket Tenantwatch opened (or added to) for an event. */
export const psaTicket = pgTable(
  'psa_ticket',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id').notNull().references(() => msp.id, { onDelete: 'cascade' }),
    connectionId: uuid('connection_id').notNull().references(() => psaConnection.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id').notNull().references(() => securityEvent.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id').notNull().references(() => tenant.id, { onDelete: 'cascade' }),
    /** The PSA's ticket id/number, as text (ConnectWise ints, Autotask ints, kept opaque). */
    externalId: text('external_id'),
    /** Link to open the ticket in the PSA. */
    url: text('url'),
    /** The PSA's status name at our last sync. */
    status: text('status'),
    /** Key events are consolidated under (e.g. tenant + user); events sharing it share a ticket. */
    correlationKey: text('correlation_key'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('psa_ticket_connection_event_key').on(t.connectionId, t.eventId),
    index('psa_ticket_correlation_idx').on(t.connectionId, t.correlationKey),
  ],
);
