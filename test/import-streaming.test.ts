import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { activity, msp, securityEvent, tenant } from '../db/schema/index.ts';
import { importAuditFile } from '../services/collector/import/import-audit-file.ts';
import { unwrap } from '../services/collector/import/read-audit-file.ts';
import { ingestRecords } from '../services/collector/ingest.ts';
import { detectActivity } from '../services/detection/engine.ts';
import { importAndDetect } from '../services/pipeline/import-and-detect.ts';
import { createTestDatabase } from './helpers/database.ts';
import { writeSignInExport } from './helpers/sign-in-export.ts';

/**
 * The import streams: a file far larger than what the import may hold is read with the live heap
 * bounded (measured after full collections, not timed), and a streamed import stores the same
 * records and raises the same events as the same records stored and detected in one piece.
 */
const dir = mkdtempSync(join(tmpdir(), 'tw-import-stream-'));
let handle: Awaited<ReturnType<typeof createTestDatabase>>;
let mspId: string;

async function newTarget() {
  const [t] = await handle.database.db
    .insert(tenant)
    .values({ mspId, tenantGuid: randomUUID(), name: 'Contoso (investigation)', primaryDomain: 'contoso.com', authMode: 'consent', importOnly: true })
    .returning();
  return { mspId, tenantId: t!.id };
}

beforeAll(async () => {
  handle = await createTestDatabase();
  const [m] = await handle.database.db.insert(msp).values({ name: 'Northwind' }).returning();
  mspId = m!.id;
});
afterAll(async () => {
  await handle.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** What a stored record is, apart from its row id: to compare two imports of the same records. */
async function storedRecords(tenantId: string) {
  const rows = await handle.database.db
    .select({
      recordId: activity.recordId,
      operation: activity.operation,
      actor: activity.actorUpn,
      ip: activity.clientIp,
      at: activity.occurredAt,
      raw: activity.raw,
    })
    .from(activity)
    .where(eq(activity.tenantId, tenantId))
    .orderBy(asc(activity.recordId));
  return rows;
}

test('a 40,000-record export is imported with the live heap growing by a fraction of the file', async () => {
  const path = join(dir, 'large.json');
  const records = 40_000;
  const size = await writeSignInExport(path, { records, seed: 'streaming-test' });
  // Full collections on demand, so the heap measured is what the import holds, not garbage.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const before = process.memoryUsage().heapUsed;
  let peak = 0;
  let samples = 0;
  const target = await newTarget();
  const summary = await importAuditFile(handle.database.db, target, path, () => {
    gc();
    samples += 1;
    peak = Math.max(peak, process.memoryUsage().heapUsed - before);
  });
  expect(summary).toMatchObject({ format: 'json-array', read: records, imported: records, duplicates: 0, quarantined: 0, unread: null });
  expect(samples).toBeGreaterThanOrEqual(records / 2_000);
  // The file is ~85 MB; as objects it would be several times that. Two batches in flight stay far below.
  expect(size).toBeGreaterThan(80_000_000);
  expect(peak, `live heap growth ${peak} bytes for a file of ${size}`).toBeLessThan(size / 4);
  // Importing it again stores nothing new.
  expect(await importAuditFile(handle.database.db, target, path)).toMatchObject({ imported: 0, duplicates: records });
}, 600_000);

test('a streamed import stores the same records and raises the same events as the records stored and detected in one piece', async () => {
  const path = join(dir, 'detect.json');
  await writeSignInExport(path, { records: 2_000, seed: 'streaming-detect' });

  const streamed = await newTarget();
  const summary = await importAndDetect({ db: handle.database.db }, streamed, path);
  expect(summary).toMatchObject({ read: 2_000, imported: 2_000, quarantined: 0, unread: null });

  // The same file read whole, stored in one call and detected in one call.
  const whole = await newTarget();
  const raws = (JSON.parse(readFileSync(path, 'utf8')) as unknown[]).map((w) => {
    const u = unwrap(w);
    if (!('record' in u)) throw new Error(u.reason);
    return u.record;
  });
  const stored = await ingestRecords(handle.database.db, whole, 'Audit.AzureActiveDirectory', raws);
  expect(stored.inserted).toBe(2_000);
  await detectActivity({ db: handle.database.db }, stored.insertedIds);

  const a = await storedRecords(streamed.tenantId);
  const b = await storedRecords(whole.tenantId);
  expect(a.length).toBe(2_000);
  expect(a).toEqual(b);

  const events = async (tenantId: string) =>
    handle.database.db
      .select({
        detectionId: securityEvent.detectionId,
        dedupKey: securityEvent.dedupKey,
        count: securityEvent.count,
        firstSeenAt: securityEvent.firstSeenAt,
        lastSeenAt: securityEvent.lastSeenAt,
        userName: securityEvent.userName,
        networkAddress: securityEvent.networkAddress,
      })
      .from(securityEvent)
      .where(eq(securityEvent.tenantId, tenantId))
      .orderBy(asc(securityEvent.detectionId), asc(securityEvent.dedupKey), asc(securityEvent.firstSeenAt));
  const streamedEvents = await events(streamed.tenantId);
  expect(streamedEvents.length).toBeGreaterThan(0);
  expect(streamedEvents).toEqual(await events(whole.tenantId));
}, 600_000);
