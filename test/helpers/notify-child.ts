/**
 * A Tenantwatch process that detects stored activity (writing the outbox with the events) and
 * sends the deliveries (tickets included), for the crash tests: the test kills it with SIGKILL mid-send and starts it
 * again. Prints `started`, then `done <statuses>` once no delivery is waiting.
 * Input (env): CHILD_DATA_DIR or CHILD_DATABASE_URL, CHILD_ACTIVITY_IDS (comma-separated),
 * TW_SMTP_* for the SMTP sink, TW_NOTIFY_* for the sender.
 */
import { inArray } from 'drizzle-orm';
import { openDatabase } from '../../db/client.ts';
import { delivery } from '../../db/schema/index.ts';
import { loadConfig } from '../../services/config.ts';
import { createSecretBox } from '../../services/crypto.ts';
import { detectActivity } from '../../services/detection/engine.ts';
import { enqueueForEvents } from '../../services/notify/outbox.ts';
import { createLogger } from '../../services/log.ts';
import { startNotify } from '../../services/notify/index.ts';
import { createTicketFiler } from '../../services/core/psa/deliver-ticket.ts';
import { TEST_SECRET_KEY } from './database.ts';

const env = process.env;
const config = loadConfig({ ...env, TW_SECRET_KEY: TEST_SECRET_KEY, TW_DEMO: 'off', TW_LOG_LEVEL: 'info' });
const log = createLogger(config);
const database = env.CHILD_DATABASE_URL
  ? await openDatabase({ databaseUrl: env.CHILD_DATABASE_URL, poolSize: 3 })
  : await openDatabase({ dataDir: env.CHILD_DATA_DIR!, command: 'notify-child' });
const ids = (env.CHILD_ACTIVITY_IDS ?? '').split(',').filter(Boolean);
if (ids.length > 0) await detectActivity({ db: database.db, log, onEventsCreated: enqueueForEvents }, ids);
const secrets = createSecretBox(Buffer.from(TEST_SECRET_KEY, 'hex'));
const notify = await startNotify({ database, config, log, secrets, ticket: createTicketFiler({ database, secrets, publicUrl: config.publicUrl, log }) });
process.stdout.write('started\n');
const check = async () => {
  const waiting = await database.db
    .select({ id: delivery.id })
    .from(delivery)
    .where(inArray(delivery.status, ['pending', 'failed', 'sending']));
  if (waiting.length > 0) return setTimeout(() => void check(), 100);
  const rows = await database.db.select({ status: delivery.status, attempts: delivery.attempts, kind: delivery.kind }).from(delivery);
  process.stdout.write(`done ${JSON.stringify(rows)}\n`);
  await notify.stop();
  await database.close();
  process.exit(0);
};
void check();
