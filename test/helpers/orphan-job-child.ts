/**
 * A process that dies holding a job: it stores an audit export's records in a tenant without
 * detecting them, queues their detection, takes the job (state `active`), prints `active`, and
 * waits for the test to kill it with SIGKILL.
 * Input (env): CHILD_DATA_DIR, CHILD_FILE, CHILD_TENANT_DOMAIN.
 */
import { eq } from 'drizzle-orm';
import { openDatabase } from '../../db/client.ts';
import { tenant } from '../../db/schema/index.ts';
import { importAuditFile } from '../../services/collector/import/import-audit-file.ts';
import { createLogger } from '../../services/log.ts';
import { DETECT_BATCH, PIPELINE_JOBS } from '../../services/worker/pipeline-jobs.ts';
import { ensureQueues, startQueue } from '../../services/worker/queue.ts';

const env = process.env;
const database = await openDatabase({ dataDir: env.CHILD_DATA_DIR!, command: 'import' });
await database.migrate();
const [t] = await database.db.select().from(tenant).where(eq(tenant.primaryDomain, env.CHILD_TENANT_DOMAIN!));
const ids: string[] = [];
await importAuditFile(database.db, { mspId: t!.mspId, tenantId: t!.id }, env.CHILD_FILE!, undefined, { onStored: async (stored) => void ids.push(...stored) });
const boss = await startQueue(database, createLogger({ logLevel: 'silent' }), { schedule: false });
await ensureQueues(boss, PIPELINE_JOBS);
// pg-boss's default expiry: only the retry at start-up can pick the job up again within minutes.
let jobs = 0;
for (let i = 0; i < ids.length; i += DETECT_BATCH, jobs++)
  await boss.send('detect.activity', { activityIds: ids.slice(i, i + DETECT_BATCH) }, { expireInSeconds: 15 * 60 });
const taken = await boss.fetch('detect.activity', { batchSize: jobs });
process.stdout.write(`active ${taken.length} of ${ids.length}\n`);
// Kept alive until killed.
setInterval(() => {}, 60_000);
