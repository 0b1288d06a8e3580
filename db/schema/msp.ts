import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** A managed service provider: the unit of isolation. Every other row belongs to exactly one. */
export const msp = pgTable('msp', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** Display name, e.g. "Northwind IT". */
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
