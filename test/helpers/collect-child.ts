/**
 * A collector process for the crash test: collects one tenant until every source is done, then
 * exits 0. The test kills it with SIGKILL at random moments and starts it again.
 * Input (env): CHILD_DATABASE_URL or CHILD_DATA_DIR, CHILD_SIM_URL, CHILD_TENANT_ID, CHILD_NOW.
 */
import { openDatabase } from '../../db/client.ts';
import { collectTenant } from '../../services/collector/collect-tenant.ts';
import { createTokenProvider } from '../../services/microsoft/token-provider.ts';
import { loadConfig } from '../../services/config.ts';
import { createSecretBox } from '../../services/crypto.ts';
import { createLogger } from '../../services/log.ts';
import { TEST_SECRET_KEY } from './database.ts';

const env = process.env;
const config = loadConfig({
  TW_SECRET_KEY: TEST_SECRET_KEY,
  TW_LOGIN_URL: env.CHILD_SIM_URL,
  TW_GRAPH_URL: env.CHILD_SIM_URL,
  TW_MANAGEMENT_URL: env.CHILD_SIM_URL,
});
const database = await openDatabase(env.CHILD_DATABASE_URL ? { databaseUrl: env.CHILD_DATABASE_URL, poolSize: 2 } : { dataDir: env.CHILD_DATA_DIR! });
const deps = {
  db: database.db,
  config,
  tokens: createTokenProvider(config, createSecretBox(Buffer.from(TEST_SECRET_KEY, 'hex'))),
  log: createLogger({ logLevel: 'silent' }),
  now: () => new Date(env.CHILD_NOW!),
  timeoutMs: 5_000,
};
for (let pass = 0; pass < 20; pass++) {
  const results = await collectTenant(deps, env.CHILD_TENANT_ID!, { force: true });
  process.stdout.write(`pass ${pass}: ${results.map((r) => `${r.source}=${r.status}`).join(' ')}\n`);
  if (results.every((r) => r.status === 'collected')) break;
}
await database.close();
