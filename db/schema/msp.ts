import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** A managed service provider: the unit of isolation. Every other row belongs to exactly one. */
export const msp = pgTable('msp', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** Display name, e.g. "Northwind IT". */
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * A one-time link from the installation's operator (`tenantwatch msp invite`) with which a new
 * MSP signs up. It belongs to no MSP until it is used.
 */
export const mspSignupLink = pgTable('msp_signup_link', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** SHA-256 of the token in the link, hex. */
  tokenHash: text('token_hash').notNull().unique(),
  /** The company name the operator suggested; the person signing up may change it. */
  mspName: text('msp_name'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  /** Set when the link is used; a used link never works again. */
  usedAt: timestamp('used_at', { withTimezone: true }),
  /** The MSP created with it. */
  mspId: uuid('msp_id').references(() => msp.id, { onDelete: 'set null' }),
});

/**
 * Open sign-up attempts by client address, so the limit per address holds across every process
 * of the installation. Rows older than the window are deleted as new attempts come in.
 */
export const signupAttempt = pgTable(
  'signup_attempt',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ip: text('ip').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('signup_attempt_ip_idx').on(t.ip, t.createdAt)],
);
