import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { activity, msp, tenant } from '../../db/schema/index.ts';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { purgeOldActivity } from './retention.ts';

let handle: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  handle = await createTestDatabase();
});
afterAll(() => handle.drop());

test('retention counts from when a record was received: an old record imported today stays, one received long ago goes', async () => {
  const db = handle.database.db;
  const [m] = await db.insert(msp).values({ name: 'Northwind' }).returning();
  const [t] = await db
    .insert(tenant)
    .values({ mspId: m!.id, tenantGuid: randomUUID(), name: 'Contoso', primaryDomain: 'contoso.com', authMode: 'consent' })
    .returning();
  const now = new Date('2026-12-07T03:00:00Z');
  const row = (recordId: string, occurredAt: string, ingestedAt: string) => ({
    mspId: m!.id,
    tenantId: t!.id,
    source: 'import' as const,
    recordId,
    occurredAt: new Date(occurredAt),
    ingestedAt: new Date(ingestedAt),
    workload: 'Exchange',
    operation: 'New-InboxRule',
    raw: {},
  });
  await db
    .insert(activity)
    .values([
      row('imported-last-year', '2025-11-20T08:00:00Z', '2026-12-06T20:00:00Z'),
      row('collected-long-ago', '2026-08-01T08:00:00Z', '2026-08-01T08:05:00Z'),
    ]);
  expect(await purgeOldActivity(db, 90, now)).toBe(1);
  const left = await db.select({ recordId: activity.recordId }).from(activity).where(eq(activity.tenantId, t!.id));
  expect(left.map((r) => r.recordId)).toEqual(['imported-last-year']);
});
