import type { Db } from '../../db/client.ts';
import { msp, tenant } from '../../db/schema/index.ts';
import { type Config, loadConfig } from '../../services/config.ts';
import { COLLECTOR_APP_ID, COLLECTOR_SECRET } from './m365-sim.ts';
import { secrets } from './app.ts';
import { TEST_SECRET_KEY } from './database.ts';

/** Configuration pointing every Microsoft base URL at a simulator. */
export function simConfig(simUrl: string, env: Record<string, string> = {}): Config {
  return loadConfig({ TW_SECRET_KEY: TEST_SECRET_KEY, TW_LOGIN_URL: simUrl, TW_GRAPH_URL: simUrl, TW_MANAGEMENT_URL: simUrl, TW_EXCHANGE_URL: simUrl, ...env });
}

/**
 * A tenant row that signs in to the simulator with the collector app's secret, in a new MSP
 * (or `mspId`): the same Microsoft tenant may be watched by several MSPs.
 */
export async function insertSimTenant(db: Db, tenantGuid: string, options: { mspId?: string; name?: string } = {}) {
  let mspId = options.mspId;
  if (!mspId) {
    const [m] = await db
      .insert(msp)
      .values({ name: `MSP for ${tenantGuid}` })
      .returning();
    mspId = m!.id;
  }
  const [row] = await db
    .insert(tenant)
    .values({
      mspId,
      tenantGuid,
      name: options.name ?? 'Contoso',
      primaryDomain: 'contoso.com',
      authMode: 'secret',
      clientId: COLLECTOR_APP_ID,
      credentialsEnc: secrets.seal(JSON.stringify({ clientSecret: COLLECTOR_SECRET })),
    })
    .returning();
  return row!;
}
