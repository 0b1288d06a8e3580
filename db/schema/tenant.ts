import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { msp } from './msp.ts';
import { activitySource, tenantAuthMode, tenantStatus } from './enums.ts';

/** A customer's Microsoft 365 tenant watched by an MSP. */
export const tenant = pgTable(
  'tenant',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    /** The Entra tenant id (a GUID), as in `tid` claims and Management API URLs. */
    tenantGuid: uuid('tenant_guid').notNull(),
    name: text('name').notNull(),
    /** e.g. `contoso.com`; used to tell internal from external addresses. */
    primaryDomain: text('primary_domain').notNull(),
    authMode: tenantAuthMode('auth_mode').notNull(),
    /** Application (client) id used for this tenant; null with `consent` (the MSP's multi-tenant app). */
    clientId: text('client_id'),
    /** AES-256-GCM envelope of the client secret or certificate (see services/crypto.ts); never sent to clients. */
    credentialsEnc: text('credentials_enc'),
    status: tenantStatus('status').notNull().default('pending'),
    /** The built-in simulated tenant; labelled "demo" wherever it is shown. */
    isDemo: boolean('is_demo').notNull().default(false),
    /**
     * Number of users in the tenant's directory (Graph `/users/$count`), read by the collector
     * about once a day; detection scales its thresholds for small tenants by it. Null: not known.
     */
    userCount: integer('user_count'),
    userCountAt: timestamp('user_count_at', { withTimezone: true }),
    /**
     * No Microsoft credentials: the tenant only holds what is imported (an investigation of
     * exported logs). Never collected, never polled.
     */
    importOnly: boolean('import_only').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('tenant_msp_guid_key').on(t.mspId, t.tenantGuid),
    index('tenant_msp_name_idx').on(t.mspId, t.name),
    // Admin consent is granted to the installation's app, not to an MSP: a tenant reached through
    // it belongs to one MSP. A tenant's own app registration proves access with its own
    // credentials, so several MSPs may watch a tenant that way (and every MSP has its demo).
    uniqueIndex('tenant_consent_guid_key')
      .on(t.tenantGuid)
      .where(sql`${t.authMode} = 'consent' and not ${t.isDemo}`),
  ],
);

/** Where collection of one source for one tenant has got to, and how it is going. */
export const collectorCheckpoint = pgTable(
  'collector_checkpoint',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenant.id, { onDelete: 'cascade' }),
    source: activitySource('source').notNull(),
    /** End (exclusive) of the last window fully ingested; the next window starts before it by the overlap. */
    windowEnd: timestamp('window_end', { withTimezone: true }),
    /** Source-specific resume point (a Graph nextLink/deltaLink or a NextPageUri) within a window. */
    cursor: text('cursor'),
    lastSuccessAt: timestamp('last_success_at', { withTimezone: true }),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    /** Plain-words description of the last failure, e.g. "admin consent was revoked". */
    lastError: text('last_error'),
    lastErrorAt: timestamp('last_error_at', { withTimezone: true }),
    /** Failures since the last success; drives backoff and the circuit breaker. */
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    /** Do not poll before this time (Retry-After, backoff, open circuit). */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.source] })],
);

/**
 * A named set of an MSP's tenants ("Healthcare customers", "Gold contract"), so a trigger can be
 * scoped to several tenants at once and cover a tenant added to the group later.
 */
export const tenantGroup = pgTable(
  'tenant_group',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('tenant_group_msp_name_key').on(t.mspId, t.name)],
);

/** A tenant's membership of a group; a tenant may belong to several groups. */
export const tenantGroupMember = pgTable(
  'tenant_group_member',
  {
    groupId: uuid('group_id')
      .notNull()
      .references(() => tenantGroup.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenant.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.tenantId] }), index('tenant_group_member_tenant_idx').on(t.tenantId)],
);
