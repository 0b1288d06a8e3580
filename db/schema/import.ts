import { bigint, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { msp } from './msp.ts';
import { tenant } from './tenant.ts';
import { appUser } from './user.ts';
import { actorType, importStatus } from './enums.ts';

/**
 * One import of an audit export into a tenant (from the web app, the API or the command line):
 * who started it, its progress while it runs, and its summary or error afterwards.
 */
export const importRun = pgTable(
  'import_run',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenant.id, { onDelete: 'cascade' }),
    /** The person who started it (directly or through their API token); null for the system. */
    userId: uuid('user_id').references(() => appUser.id, { onDelete: 'set null' }),
    /** The actor as the audit log records it (a token's id for token requests). */
    actorType: actorType('actor_type').notNull(),
    actorId: uuid('actor_id'),
    requestId: text('request_id'),
    ip: text('ip'),
    /** The name the file was uploaded under (attacker-written, shown as text only). */
    fileName: text('file_name').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    status: importStatus('status').notNull().default('queued'),
    format: text('format'),
    encoding: text('encoding'),
    bytesRead: bigint('bytes_read', { mode: 'number' }).notNull().default(0),
    recordsRead: integer('records_read').notNull().default(0),
    imported: integer('imported').notNull().default(0),
    duplicates: integer('duplicates').notNull().default(0),
    quarantined: integer('quarantined').notNull().default(0),
    /** The first quarantined items: `{ at: { unit, number }, reason }`. */
    quarantine: jsonb('quarantine').$type<{ at: { unit: 'line' | 'record'; number: number }; reason: string }[]>().notNull().default([]),
    /** Why the rest of the file could not be read; null when it was read to the end. */
    unread: text('unread'),
    detected: integer('detected').notNull().default(0),
    eventsCreated: integer('events_created').notNull().default(0),
    eventsUpdated: integer('events_updated').notNull().default(0),
    /** The events the import raised or updated (for the Report link), at most a thousand. */
    eventIds: jsonb('event_ids').$type<string[]>().notNull().default([]),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** Written while the run is alive; a queued or running run whose heartbeat stopped was interrupted. */
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('import_run_msp_time_idx').on(t.mspId, t.createdAt.desc()), index('import_run_tenant_time_idx').on(t.tenantId, t.createdAt.desc())],
);
