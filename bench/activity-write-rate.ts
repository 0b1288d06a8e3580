import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.ts';
import { msp, tenant } from '../db/schema/index.ts';
import { ingestRecords } from '../services/collector/ingest.ts';

export const ACTIVITY_WRITE_BATCH = 1_000;

/**
 * The collector's hot write (normalise, dedup, store activity rows in batches of 1,000, no
 * detection) of `rows` real-shaped sign-in records into a new tenant of `database` (migrated
 * here); rows per second.
 */
export async function activityWriteRate(database: Database, rows: number): Promise<number> {
  await database.migrate();
  const [m] = await database.db.insert(msp).values({ name: 'bench' }).returning();
  const [t] = await database.db
    .insert(tenant)
    .values({ mspId: m!.id, tenantGuid: randomUUID(), name: 'bench', primaryDomain: 'contoso.example', authMode: 'consent' })
    .returning();
  const base = Date.UTC(2026, 10, 1);
  const start = performance.now();
  for (let i = 0; i < rows; i += ACTIVITY_WRITE_BATCH) {
    // Real-shaped sign-in records, through the collector's own path (normalise, dedup, store).
    const records = Array.from({ length: Math.min(ACTIVITY_WRITE_BATCH, rows - i) }, (_, k) => {
      const n = i + k;
      return {
        Id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
        CreationTime: new Date(base + n * 1000).toISOString().slice(0, 19),
        Operation: n % 5 === 0 ? 'UserLoginFailed' : 'UserLoggedIn',
        RecordType: 15,
        Workload: 'AzureActiveDirectory',
        ResultStatus: 'Success',
        UserId: `user${n % 300}@contoso.example`,
        ClientIP: `203.0.113.${n % 250}`,
        ExtendedProperties: [{ Name: 'UserAgent', Value: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)' }],
        ErrorNumber: n % 5 === 0 ? '50126' : '0',
      };
    });
    await ingestRecords(database.db, { mspId: m!.id, tenantId: t!.id }, 'Audit.AzureActiveDirectory', records);
  }
  return rows / ((performance.now() - start) / 1000);
}
