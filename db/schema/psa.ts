import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { msp } from './msp.ts';
import { tenant } from './tenant.ts';
import { securityEvent } from './event.ts';
import { appUser } from './user.ts';
import { psaKind } from './enums.ts';

/** An MSP's connection to its ConnectWise Manage or Autotask instance. */
export const psaConnection = pgTable(
  'psa_connection',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    kind: psaKind('kind').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    /**
     * Non-secret settings: `connection` (site, company id, API user…, per the provider's schema),
     * `templates` (summary, description), `operations` (flood limit, consolidation, reopen…).
     */
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    /** AES-256-GCM envelope of the API keys / integration secret. */
    credentialsEnc: text('credentials_enc'),
    /** The last "Test connection": when, whether it worked, and its message in plain words. */
    lastTestAt: timestamp('last_test_at', { withTimezone: true }),
    lastTestOk: boolean('last_test_ok'),
    lastTestMessage: text('last_test_message'),
    /** The built-in PSA sandbox of the demo MSP; labelled "demo" wherever it is shown. */
    isDemo: boolean('is_demo').notNull().default(false),
    /** Since when filing tickets has failed without a success in between; null while it works. */
    failingSince: timestamp('failing_since', { withTimezone: true }),
    /** When the emergency contact was told of the current failure (one email per failure). */
    failureNotifiedAt: timestamp('failure_notified_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('psa_connection_msp_kind_key').on(t.mspId, t.kind)],
);

/**
 * Where one Microsoft 365 tenant's tickets go in a PSA: the PSA company (confirmed by a person,
 * never assumed from a name match) and the tenant's routing (board/queue, priority, status…).
 */
export const psaTenantMapping = pgTable(
  'psa_tenant_mapping',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => psaConnection.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenant.id, { onDelete: 'cascade' }),
    /** The PSA's company id and its name when it was chosen. */
    companyId: text('company_id').notNull(),
    companyName: text('company_name').notNull(),
    /** List name → option id (ConnectWise `boards`, `priorities`…; Autotask `queues`, `issueTypes`…). */
    routing: jsonb('routing').$type<Record<string, string>>().notNull().default({}),
    confirmedBy: uuid('confirmed_by').references(() => appUser.id, { onDelete: 'set null' }),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('psa_tenant_mapping_connection_tenant_key').on(t.connectionId, t.tenantId)],
);

/**
 * A ticket Tenantwatch opened in a PSA, and every event it stands for. Similar alerts (same
 * tenant, detection and primary entity: `similarityKey`) go into one ticket while the
 * operational settings say so; a flood ticket gathers every new alert of a tenant past the
 * flood limit.
 */
export const psaTicket = pgTable(
  'psa_ticket',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => psaConnection.id, { onDelete: 'cascade' }),
    kind: psaKind('kind'),
    /** The event that opened the ticket; null for the test ticket and flood tickets. */
    eventId: uuid('event_id').references(() => securityEvent.id, { onDelete: 'set null' }),
    tenantId: uuid('tenant_id').references(() => tenant.id, { onDelete: 'cascade' }),
    detectionId: text('detection_id'),
    /** The PSA's ticket id (ConnectWise ints, Autotask ints, kept opaque). */
    externalId: text('external_id'),
    /** What people call the ticket: ConnectWise's id, Autotask's `T20240101.0001`. */
    number: text('number'),
    /** Link to open the ticket in the PSA. */
    url: text('url'),
    /** The PSA's status name and id at our last read, and whether that status closes the ticket. */
    status: text('status'),
    statusId: text('status_id'),
    closed: boolean('closed').notNull().default(false),
    statusReadAt: timestamp('status_read_at', { withTimezone: true }),
    /** tenant + detection + primary entity: what makes two alerts "similar". */
    similarityKey: text('correlation_key'),
    /** Gathers every new alert of its tenant past the flood limit. */
    isFlood: boolean('is_flood').notNull().default(false),
    isTest: boolean('is_test').notNull().default(false),
    /** Every event the ticket stands for, in arrival order. */
    eventIds: uuid('event_ids')
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    /** Similar alerts gathered during the consolidation interval, not yet written to the ticket. */
    pendingEventIds: uuid('pending_event_ids')
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    /** Last time Tenantwatch wrote to the ticket (creation, note, reopen). */
    lastWrittenAt: timestamp('last_written_at', { withTimezone: true }).notNull().defaultNow(),
    /** Attachments that failed and were set aside (IgnoreUploadAttachmentError). */
    failedAttachments: jsonb('failed_attachments').$type<{ fileName: string; eventId: string | null; error: string; at: string }[]>().notNull().default([]),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('psa_ticket_event_idx').on(t.eventId),
    index('psa_ticket_correlation_idx').on(t.connectionId, t.similarityKey, t.createdAt),
    index('psa_ticket_tenant_time_idx').on(t.connectionId, t.tenantId, t.createdAt),
    index('psa_ticket_msp_time_idx').on(t.mspId, t.createdAt),
    index('psa_ticket_open_idx').on(t.connectionId, t.closed),
  ],
);
