import { bigint, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { msp } from './msp.ts';
import { actorType, setupTokenKind, userRole, userStatus } from './enums.ts';

/** A person at an MSP who signs in to Tenantwatch. */
export const appUser = pgTable(
  'app_user',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    /**
     * Sign-in name, stored lower-case; unique within the MSP only, so one MSP learns nothing about
     * another's addresses. A person in two MSPs has two accounts (see signIn for how they choose).
     */
    email: text('email').notNull(),
    name: text('name').notNull().default(''),
    role: userRole('role').notNull(),
    status: userStatus('status').notNull().default('invited'),
    /** argon2id PHC string (`$argon2id$v=19$m=...`); null until the user completes setup. */
    passwordHash: text('password_hash'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true }),
    /** TOTP shared secret (base32), sealed with the SecretBox; set at enrolment, before it is confirmed. */
    totpSecretEnc: text('totp_secret_enc'),
    /** When the user confirmed TOTP with a code; null while enrolment is pending or TOTP is off. */
    totpEnabledAt: timestamp('totp_enabled_at', { withTimezone: true }),
    /** The last 30-second time step a code was accepted for: a code is never accepted twice. */
    totpLastStep: bigint('totp_last_step', { mode: 'number' }),
    /** The Entra ID account linked for "Sign in with Microsoft": its tenant id (tid) and object id (oid). */
    msTenantId: text('ms_tenant_id'),
    msObjectId: text('ms_object_id'),
  },
  (t) => [
    uniqueIndex('app_user_msp_email_key').on(t.mspId, sql`lower(${t.email})`),
    index('app_user_email_idx').on(sql`lower(${t.email})`),
    index('app_user_msp_idx').on(t.mspId),
    uniqueIndex('app_user_microsoft_key').on(t.msTenantId, t.msObjectId),
  ],
);

/** One-time recovery codes for a user's second factor; only a keyed hash of each is kept. */
export const recoveryCode = pgTable(
  'recovery_code',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => appUser.id, { onDelete: 'cascade' }),
    /** HMAC of the code under the secret key (SecretBox.mac), so a database copy alone cannot test guesses. */
    codeHash: text('code_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [index('recovery_code_user_idx').on(t.userId)],
);

/**
 * A sign-in waiting for its second factor: the password (or Microsoft) was right, the code is
 * still to come. Short-lived and single use; the browser holds the token in an httpOnly cookie.
 */
export const pendingSignIn = pgTable('pending_sign_in', {
  /** SHA-256 of the cookie token, hex. */
  tokenHash: text('token_hash').primaryKey(),
  userId: uuid('user_id')
    .notNull()
    .references(() => appUser.id, { onDelete: 'cascade' }),
  /** How the first factor was proved: `password` or `microsoft`. */
  method: text('method').notNull(),
  /** Wrong codes entered against this pending sign-in; it is dropped after a few. */
  failedAttempts: integer('failed_attempts').notNull().default(0),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

/** A signed-in browser. The cookie carries a random token; only its SHA-256 is stored here. */
export const session = pgTable(
  'session',
  {
    /** SHA-256 of the cookie token, hex. */
    tokenHash: text('token_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => appUser.id, { onDelete: 'cascade' }),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    /** Random per-session value the web app echoes in `X-CSRF-Token` on every write. */
    csrfToken: text('csrf_token').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Absolute expiry; the cookie's Max-Age matches. */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** Client address and user agent at sign-in, for the user's own session list. */
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('session_user_idx').on(t.userId), index('session_expires_idx').on(t.expiresAt)],
);

/** A bearer token for integrations; shown once at creation, only its SHA-256 is kept. */
export const apiToken = pgTable(
  'api_token',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id')
      .notNull()
      .references(() => msp.id, { onDelete: 'cascade' }),
    /** The user who created it; the token acts with `role`, never more than that user had. */
    userId: uuid('user_id')
      .notNull()
      .references(() => appUser.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** SHA-256 of the whole token, hex. Tokens carry 256 random bits, so a fast hash is enough. */
    tokenHash: text('token_hash').notNull().unique(),
    /** First characters of the token (`tw_abcd`), so a user can tell their tokens apart. */
    prefix: text('prefix').notNull(),
    role: userRole('role').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('api_token_msp_idx').on(t.mspId)],
);

/**
 * One-time links: the first owner on a fresh install, an invited user's first password, or a
 * password reset an admin issued. Only the newest link per user works.
 */
export const setupToken = pgTable('setup_token', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** SHA-256 of the token in the link, hex. */
  tokenHash: text('token_hash').notNull().unique(),
  kind: setupTokenKind('kind').notNull(),
  /** Null for `first_owner` (the MSP does not exist yet). */
  mspId: uuid('msp_id').references(() => msp.id, { onDelete: 'cascade' }),
  /** The invited user; null for `first_owner`. */
  userId: uuid('user_id').references(() => appUser.id, { onDelete: 'cascade' }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  /** Set when the link is used; a used link never works again. */
  usedAt: timestamp('used_at', { withTimezone: true }),
  /** Set when a newer link for the same user replaced it, or the user was disabled. */
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

/**
 * Failed sign-ins per key (an email address, or a client address), counted in a fixed window.
 * The counter is bumped by one upsert before the password is checked, so concurrent guesses
 * cannot all slip under the limit. Keys are hashed: the table keeps no typed-in addresses.
 */
export const signInThrottle = pgTable('sign_in_throttle', {
  /** SHA-256 of `email:<address>` or `ip:<address>`, hex. */
  key: text('key').primaryKey(),
  windowStartedAt: timestamp('window_started_at', { withTimezone: true }).notNull(),
  failures: integer('failures').notNull(),
});

/** Who did what, per MSP. Written in the same transaction as the change it describes. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mspId: uuid('msp_id').references(() => msp.id, { onDelete: 'cascade' }),
    actorType: actorType('actor_type').notNull(),
    /** app_user.id or api_token.id; null for the system. */
    actorId: uuid('actor_id'),
    /** Dotted verb, e.g. `tenant.create`, `event.ignore`, `auth.sign_in`. */
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    /** What changed; never contains secrets. */
    details: jsonb('details').$type<Record<string, unknown>>(),
    ip: text('ip'),
    requestId: text('request_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('audit_log_msp_time_idx').on(t.mspId, t.createdAt.desc())],
);
