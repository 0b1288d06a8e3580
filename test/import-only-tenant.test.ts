import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { collectorCheckpoint, msp, tenant } from '../db/schema/index.ts';
import { collectTenant } from '../services/collector/collect-tenant.ts';
import { runOnboardingCheck } from '../services/collector/onboarding-check.ts';
import { createTenant } from '../services/core/tenant/create-tenant.ts';
import { createLogger } from '../services/log.ts';
import { createTokenProvider } from '../services/microsoft/token-provider.ts';
import { startM365Simulator, type M365Simulator } from '../services/sim/m365/index.ts';
import { collectorApp } from './helpers/m365-sim.ts';
import { simulatorTls } from '../services/sim/m365/tls.ts';
import { secrets } from './helpers/app.ts';
import { createTestDatabase } from './helpers/database.ts';
import { simConfig } from './helpers/sim-tenant.ts';

let handle: Awaited<ReturnType<typeof createTestDatabase>>;
let sim: M365Simulator;
beforeAll(async () => {
  handle = await createTestDatabase();
  sim = await startM365Simulator({ tls: simulatorTls(), clock: { start: '2024-05-08T06:00:00Z', frozen: true }, apps: [collectorApp()], tenants: [] });
});
afterAll(async () => {
  await sim.close();
  await handle.drop();
});

test('an import-only tenant is created without credentials, shown as such, and never collected', async () => {
  const db = handle.database.db;
  const [m] = await db.insert(msp).values({ name: 'Northwind' }).returning();
  const ctx = { actor: { type: 'system', role: 'owner' } as const, db, secrets, msp: m!.id };
  const created = await createTenant({
    ctx,
    input: { name: 'Fabrikam (investigation)', tenantGuid: randomUUID(), primaryDomain: 'fabrikam.com', auth: { mode: 'import' } },
  });
  expect(created).toMatchObject({ importOnly: true, hasCredentials: false, clientId: null, status: 'active' });

  const config = simConfig(sim.url);
  const requestsBefore = sim.state.requestLog.length;
  const results = await collectTenant({ db, config, tokens: createTokenProvider(config, secrets), log: createLogger({ logLevel: 'silent' }) }, created.id, {
    force: true,
  });
  expect(results).toEqual([]);
  // Nothing was attempted: no checkpoint, no error, no user count read.
  expect(await db.select().from(collectorCheckpoint).where(eq(collectorCheckpoint.tenantId, created.id))).toEqual([]);
  const [row] = await db.select({ userCountAt: tenant.userCountAt, status: tenant.status }).from(tenant).where(eq(tenant.id, created.id));
  expect(row).toEqual({ userCountAt: null, status: 'active' });
  expect(sim.state.requestLog.length).toBe(requestsBefore);
  // The onboarding check has nothing to sign in to.
  await expect(runOnboardingCheck({ db, config, tokens: createTokenProvider(config, secrets), secrets }, created.id)).rejects.toThrow(/import-only/);
}, 60_000);
