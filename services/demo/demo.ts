/**
 * The built-in demo: with no tenant of their own yet, a newcomer's Tenantwatch watches
 * "Contoso (demo)", a simulated Microsoft 365 tenant served by the simulator in this process.
 * Contoso plays yesterday as an ordinary 300-user day with a business email compromise woven
 * in, so the first collection (a minute after start) raises real events.
 *
 * The demo tenant is an ordinary tenant row (`is_demo`), collected by the ordinary collector;
 * only its endpoints differ: `withDemoEndpoints` gives the configuration every stage reads the
 * simulator's address for it (`config.demoMicrosoft`, see microsoft/endpoints.ts).
 * The demo belongs to one MSP, the installation's first (see ensureDemoTenant). It runs while
 * TW_DEMO is on and that MSP has no tenant of its own; TW_DEMO=off removes the demo tenant and
 * everything recorded about it.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { msp, psaConnection, tenant } from '../../db/schema/index.ts';
import type { Config } from '../config.ts';
import type { SecretBox } from '../crypto.ts';
import type { Logger } from '../log.ts';
import type { MicrosoftEndpoints } from '../microsoft/endpoints.ts';
import { createTenant } from '../core/tenant/create-tenant.ts';
import { startM365Simulator, type M365Simulator } from '../sim/m365/index.ts';
import { becScenario, collectorConsent, CONTOSO } from '../sim/m365/scenarios/index.ts';
import { createSelfSignedCertificate } from '../sim/m365/x509.ts';
import { REMEDIATION_PERMISSIONS } from '../remediation/permissions.ts';
import { trustCertificate } from './trust.ts';
import { defaultCwState, startConnectWiseSimulator, type ConnectWiseSimulator } from '../sim/connectwise/index.ts';

/** The demo app reads like a collector and may remediate, so the event page's actions can be tried on the demo. */
function demoConsent() {
  const consent = collectorConsent(DEMO_APP.appId);
  return {
    ...consent,
    roles: {
      ...consent.roles,
      graph: [...new Set([...(consent.roles.graph ?? []), ...REMEDIATION_PERMISSIONS.graph])],
      exchange: [...new Set([...(consent.roles.exchange ?? []), ...REMEDIATION_PERMISSIONS.exchange])],
    },
  };
}

export const DEMO_TENANT_NAME = 'Contoso (demo)';
export const DEMO_MSP_NAME = 'Demo MSP';
/** The simulated collector app registered in the demo's simulator (not a real Entra app). */
export const DEMO_APP = { appId: '5b0c0c38-7d2f-4c35-9a2e-6f1f6a0c1a11', secret: 'Sim~Secret.8Q~contoso-collector-value' } as const;
/** Users in the demo tenant: the size of a typical MSP customer. */
const DEMO_USERS = 300;

/** Where the demo simulator's certificate lives: `TW_DATA_DIR/demo/`. */
export function demoCertificatePaths(dataDir: string) {
  const dir = join(dataDir, 'demo');
  return { dir, cert: join(dir, 'm365-sim-cert.pem'), key: join(dir, 'm365-sim-key.pem') };
}

/**
 * The demo simulator's TLS key pair, created once. The Graph SDK only sends tokens over https,
 * so the simulator serves https with this self-signed certificate for 127.0.0.1, which this
 * process then trusts (trust.ts).
 */
export function ensureDemoCertificate(dataDir: string): { key: string; cert: string; certPath: string } {
  const paths = demoCertificatePaths(dataDir);
  if (!existsSync(paths.cert) || !existsSync(paths.key)) {
    mkdirSync(paths.dir, { recursive: true });
    const pair = createSelfSignedCertificate({
      commonName: 'Tenantwatch demo Microsoft 365 simulator',
      keyType: 'ec',
      ipAddresses: ['127.0.0.1'],
      dnsNames: ['localhost'],
    });
    writeFileSync(paths.key, pair.privateKeyPem, { mode: 0o600 });
    chmodSync(paths.key, 0o600);
    writeFileSync(paths.cert, pair.certificatePem);
  }
  return { key: readFileSync(paths.key, 'utf8'), cert: readFileSync(paths.cert, 'utf8'), certPath: paths.cert };
}

export type DemoDeps = { config: Config; database: Database; secrets: SecretBox; log: Logger };
export type RunningDemo = {
  sim: M365Simulator;
  psaSandbox: ConnectWiseSimulator;
  tenantId: string;
  /** The simulator's address for every Microsoft service of the demo tenant. */
  endpoints: MicrosoftEndpoints;
  stop(): Promise<void>;
};

/** The demo's ConnectWise Manage sandbox: the simulator's login company and API member. */
export const DEMO_CONNECTWISE = {
  companyId: 'tenantwatch_demo',
  publicKey: 'demoPublicKey',
  privateKey: 'demoPrivateKey',
  clientId: 'b4b1e7a2-5c1d-4f0e-9a57-2f0d6a3c9e11',
} as const;

/**
 * Starts the demo when it should run (see the module comment), else tidies up after it.
 * The caller then passes `withDemoEndpoints(config, demo)` on to everything it starts.
 */
export async function startDemo(deps: DemoDeps, options: { now?: Date } = {}): Promise<RunningDemo | null> {
  const { config, database, log } = deps;
  const db = database.db;
  if (!config.demo) {
    await db.delete(psaConnection).where(eq(psaConnection.isDemo, true));
    const removed = await db.delete(tenant).where(eq(tenant.isDemo, true)).returning({ id: tenant.id });
    if (removed.length > 0) log.info({ tenants: removed.length }, 'TW_DEMO is off: removed the demo tenant and its activity and events');
    return null;
  }
  // The demo belongs to one MSP: only a tenant of that MSP's own pauses it, never another MSP's.
  const demoMsp = await findDemoMsp(database);
  const [own] = demoMsp
    ? await db
        .select({ id: tenant.id })
        .from(tenant)
        .where(and(eq(tenant.mspId, demoMsp), eq(tenant.isDemo, false)))
        .limit(1)
    : [];
  if (own) {
    const paused = await db
      .update(tenant)
      .set({ status: 'disabled', updatedAt: new Date() })
      .where(and(eq(tenant.mspId, demoMsp!), eq(tenant.isDemo, true)))
      .returning({ id: tenant.id });
    if (paused.length > 0) log.info('demo paused: your own tenants are being watched (TW_DEMO=off removes the demo tenant)');
    return null;
  }

  const now = options.now ?? new Date();
  const yesterday = new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
  const tls = ensureDemoCertificate(config.dataDir);
  trustCertificate(tls.cert, config.extraCaCertsFile && existsSync(config.extraCaCertsFile) ? readFileSync(config.extraCaCertsFile, 'utf8') : undefined);
  const sim = await startM365Simulator({
    host: '127.0.0.1',
    port: 0,
    tls: { key: tls.key, cert: tls.cert },
    apps: [{ appId: DEMO_APP.appId, displayName: 'Tenantwatch (demo)', secrets: [{ value: DEMO_APP.secret }] }],
    tenants: [becScenario({ seed: 'demo', day: yesterday, users: DEMO_USERS, consents: [demoConsent()] })],
  });
  const psaSandbox = await startConnectWiseSimulator({
    host: '127.0.0.1',
    state: defaultCwState({
      companyId: DEMO_CONNECTWISE.companyId,
      companyName: 'Demo MSP (ConnectWise sandbox)',
      clientIds: [DEMO_CONNECTWISE.clientId],
      members: [{ publicKey: DEMO_CONNECTWISE.publicKey, privateKey: DEMO_CONNECTWISE.privateKey, identifier: 'tenantwatch-demo' }],
    }),
  });

  try {
    const tenantId = await ensureDemoTenant(deps);
    await ensureDemoPsa(deps, psaSandbox.url);
    log.info(
      { tenant: DEMO_TENANT_NAME, simulator: sim.url, psaSandbox: psaSandbox.url, day: yesterday },
      'demo: watching a simulated tenant, tickets go to a ConnectWise sandbox (set TW_DEMO=off to remove both)',
    );
    return {
      sim,
      psaSandbox,
      tenantId,
      endpoints: { loginUrl: sim.url, graphUrl: sim.url, managementUrl: sim.url, exchangeUrl: sim.url },
      stop: async () => {
        await Promise.all([sim.close(), psaSandbox.close()]);
      },
    };
  } catch (err) {
    await Promise.all([sim.close(), psaSandbox.close()]);
    throw err;
  }
}

/**
 * The configuration as the running product reads it: the parsed one, with the demo tenant's
 * endpoints when the demo runs. Made once at start-up, before any stage starts, so no stage
 * ever sees the configuration change under it.
 */
export function withDemoEndpoints(config: Config, demo: Pick<RunningDemo, 'endpoints'> | null): Config {
  return demo ? { ...config, demoMicrosoft: demo.endpoints } : config;
}

/**
 * The MSP the demo belongs to: the one holding the demo tenant, else the installation's first
 * MSP (the first owner's); null on a fresh install.
 */
async function findDemoMsp(database: Database): Promise<string | null> {
  const db = database.db;
  const [holder] = await db.select({ id: tenant.mspId }).from(tenant).where(eq(tenant.isDemo, true)).orderBy(asc(tenant.createdAt)).limit(1);
  if (holder) return holder.id;
  const [first] = await db.select({ id: msp.id }).from(msp).orderBy(asc(msp.createdAt), asc(msp.id)).limit(1);
  return first?.id ?? null;
}

/**
 * The demo tenant in its MSP (created as "Demo MSP" on a fresh install; the first owner's setup
 * then takes that MSP over under their company's name). MSPs that sign up later get no demo.
 */
async function ensureDemoTenant({ database, secrets }: DemoDeps): Promise<string> {
  const db = database.db;
  const mspId = (await findDemoMsp(database)) ?? (await db.insert(msp).values({ name: DEMO_MSP_NAME }).returning({ id: msp.id }))[0]!.id;
  const [existing] = await db
    .select({ id: tenant.id })
    .from(tenant)
    .where(and(eq(tenant.mspId, mspId), eq(tenant.isDemo, true), eq(tenant.tenantGuid, CONTOSO.tenantId)))
    .limit(1);
  if (existing) {
    await db
      .update(tenant)
      .set({
        clientId: DEMO_APP.appId,
        credentialsEnc: secrets.seal(JSON.stringify({ clientSecret: DEMO_APP.secret })),
        authMode: 'secret',
        status: 'active',
        updatedAt: new Date(),
      })
      .where(eq(tenant.id, existing.id));
    return existing.id;
  }
  const view = await createTenant({
    ctx: { msp: mspId, actor: { type: 'system', role: 'owner' }, db, secrets },
    input: {
      tenantGuid: CONTOSO.tenantId,
      name: DEMO_TENANT_NAME,
      primaryDomain: CONTOSO.domain,
      auth: { mode: 'secret', clientId: DEMO_APP.appId, clientSecret: DEMO_APP.secret },
    },
    isDemo: true,
  });
  return view.id;
}

/**
 * The demo MSP's ConnectWise connection, pointed at this start's sandbox (its port changes on
 * every start; the sandbox keeps its tickets in memory only). An MSP that connected a real
 * ConnectWise keeps it: only a connection marked demo is touched.
 */
async function ensureDemoPsa({ database, secrets }: DemoDeps, site: string): Promise<void> {
  const db = database.db;
  const mspId = await findDemoMsp(database);
  if (!mspId) return;
  const [existing] = await db
    .select()
    .from(psaConnection)
    .where(and(eq(psaConnection.mspId, mspId), eq(psaConnection.kind, 'connectwise')))
    .limit(1);
  if (existing && !existing.isDemo) return;
  const connection = {
    site,
    companyId: DEMO_CONNECTWISE.companyId,
    publicKey: DEMO_CONNECTWISE.publicKey,
    clientId: DEMO_CONNECTWISE.clientId,
    apiVersion: 'v4_6_release',
  };
  const credentialsEnc = secrets.seal(JSON.stringify({ privateKey: DEMO_CONNECTWISE.privateKey }));
  if (existing) {
    const settings = { ...existing.settings, connection };
    await db.update(psaConnection).set({ settings, credentialsEnc, updatedAt: new Date() }).where(eq(psaConnection.id, existing.id));
  } else {
    await db.insert(psaConnection).values({ mspId, kind: 'connectwise', isDemo: true, enabled: true, settings: { connection }, credentialsEnc });
  }
}
