import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { activity, activityQuarantine, msp, tenant } from '../../db/schema/index.ts';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { countActivity, ingestRecords } from './ingest.ts';

let handle: Awaited<ReturnType<typeof createTestDatabase>>;
let target: { mspId: string; tenantId: string };

const signIn = (n: number) => ({
  Id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  CreationTime: `2026-11-20T10:${String(n % 60).padStart(2, '0')}:00`,
  Operation: 'UserLoggedIn',
  RecordType: 15,
  Workload: 'AzureActiveDirectory',
  UserId: `user${n}@contoso.com`,
  ResultStatus: 'Success',
  ClientIP: `[203.0.113.${n % 250}]:443`,
  ErrorNumber: '0',
});

beforeAll(async () => {
  handle = await createTestDatabase();
  const [m] = await handle.database.db.insert(msp).values({ name: 'Northwind' }).returning();
  const [t] = await handle.database.db
    .insert(tenant)
    .values({ mspId: m!.id, tenantGuid: randomUUID(), name: 'Contoso', primaryDomain: 'contoso.com', authMode: 'consent' })
    .returning();
  target = { mspId: m!.id, tenantId: t!.id };
});
afterAll(() => handle.drop());

describe(`ingestRecords (${process.env.DATABASE_URL ? 'Postgres' : 'PGlite'})`, () => {
  test('stores normalised records with the raw record kept as sent', async () => {
    const summary = await ingestRecords(handle.database.db, target, 'Audit.AzureActiveDirectory', [signIn(1), signIn(2)]);
    expect(summary).toMatchObject({ received: 2, inserted: 2, duplicates: 0, quarantined: 0 });
    const [row] = await handle.database.db
      .select()
      .from(activity)
      .where(eq(activity.recordId, signIn(1).Id));
    expect(row).toMatchObject({ operation: 'UserLoggedIn', actorUpn: 'user1@contoso.com', clientIp: '203.0.113.1', result: 'Success' });
    expect(row!.occurredAt.toISOString()).toBe('2026-11-20T10:01:00.000Z');
    expect(row!.raw).toEqual(signIn(1));
  });

  test('is idempotent: repeats across batches and within a batch are duplicates, never rows', async () => {
    const again = await ingestRecords(handle.database.db, target, 'Audit.AzureActiveDirectory', [signIn(1), signIn(2), signIn(3), signIn(3)]);
    expect(again).toMatchObject({ received: 4, inserted: 1, duplicates: 3, quarantined: 0 });
    expect(await countActivity(handle.database.db, target.tenantId)).toEqual([{ source: 'Audit.AzureActiveDirectory', n: 3 }]);
  });

  test('the same record id from another source is a different record', async () => {
    const summary = await ingestRecords(handle.database.db, target, 'import', [signIn(1)]);
    expect(summary.inserted).toBe(1);
  });

  test('a malformed record goes to quarantine with its reason and the batch carries on', async () => {
    const summary = await ingestRecords(handle.database.db, target, 'Audit.AzureActiveDirectory', [
      signIn(10),
      { Id: 'x', Operation: 'UserLoggedIn' },
      'truncated {"Id":',
      signIn(11),
    ]);
    expect(summary).toMatchObject({ received: 4, inserted: 2, quarantined: 2 });
    const quarantined = await handle.database.db.select().from(activityQuarantine).where(eq(activityQuarantine.tenantId, target.tenantId));
    expect(quarantined.map((q) => q.reason)).toEqual([
      expect.stringMatching(/CreationTime|Workload|RecordType/),
      expect.stringMatching(/not a valid audit record/),
    ]);
    expect(quarantined[1]!.raw).toBe('truncated {"Id":');
  });

  test('attacker-written NUL characters (which Postgres cannot store) do not stop the batch', async () => {
    const hostile = { ...signIn(5000), UserId: 'evil\u0000@contoso.com', ExtendedProperties: [{ Name: 'UserAgent', Value: 'x\u0000y' }] };
    const summary = await ingestRecords(handle.database.db, target, 'Audit.AzureActiveDirectory', [hostile, signIn(5001)]);
    expect(summary).toMatchObject({ inserted: 2, quarantined: 0 });
    const [row] = await handle.database.db.select().from(activity).where(eq(activity.recordId, hostile.Id));
    expect(row!.actorUpn).toBe('evil\uFFFD@contoso.com');
    expect(row!.userAgent).toBe('x\uFFFDy');
  });

  test('large batches are written in chunks', async () => {
    const records = Array.from({ length: 1_234 }, (_, i) => signIn(1000 + i));
    const summary = await ingestRecords(handle.database.db, target, 'Audit.AzureActiveDirectory', records);
    expect(summary.inserted).toBe(1_234);
    expect(summary.insertedIds).toHaveLength(1_234);
  });
});
