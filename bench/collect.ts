/**
 * `npm run bench:collect`: one collection cycle over 1,000 simulated tenants, every Microsoft
 * call answered after 50 ms, in one collector process. Prints the cycle time, records/s stored
 * and the collector's peak RSS. The simulator runs in its own process so its memory and CPU are
 * not counted; the collector trusts its certificate through NODE_EXTRA_CA_CERTS, as in production.
 *
 * BENCH_TENANTS (default 1000), BENCH_USERS per tenant (default 4), BENCH_CONCURRENCY (tenants
 * collected at once, default 32), DATABASE_URL (default: embedded PGlite in a temp dir).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { reportFigure } from './util.ts';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 1000);
const USERS = Number(process.env.BENCH_USERS ?? 4);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const LATENCY_MS = 50;
const NOW = '2024-05-07T06:00:00Z';
const DAY = '2024-05-06';
const SELF = fileURLToPath(import.meta.url);
const APP_ID = '5b0c0c38-7d2f-4c35-9a2e-6f1f6a0c1a11';
const SECRET = 'bench-collector-secret-value';

const tenantGuid = (i: number) => `0000${String(i).padStart(4, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`;

async function runSimulator() {
  const { startM365Simulator } = await import('../services/sim/m365/index.ts');
  const { baselineScenario, collectorConsent } = await import('../services/sim/m365/scenarios/index.ts');
  const tenants = Array.from({ length: TENANTS }, (_, i) => ({
    ...baselineScenario({
      seed: `bench-${i}`,
      day: DAY,
      users: USERS,
      consents: [collectorConsent(APP_ID)],
      tenant: { tenantId: tenantGuid(i), displayName: `Tenant ${i}`, initialDomain: `t${i}.onmicrosoft.com`, domain: `t${i}.example` },
    }),
    faults: { rules: [{ kind: 'delay' as const, rate: 1, delayMs: LATENCY_MS }], delivery: {} },
  }));
  const sim = await startM365Simulator({
    tls: { cert: process.env.BENCH_CERT!, key: process.env.BENCH_KEY! },
    clock: { start: NOW, frozen: true },
    apps: [{ appId: APP_ID, displayName: 'Tenantwatch bench', secrets: [{ value: SECRET }] }],
    tenants,
    requestLogLimit: 0,
  } as Parameters<typeof startM365Simulator>[0]);
  process.stdout.write(`${sim.url}\n`);
}

async function runCollector() {
  const { openDatabase } = await import('../db/client.ts');
  const { msp, tenant, activity } = await import('../db/schema/index.ts');
  const { collectTenant } = await import('../services/collector/collect-tenant.ts');
  const { createTokenProvider } = await import('../services/microsoft/token-provider.ts');
  const { loadConfig } = await import('../services/config.ts');
  const { createSecretBox } = await import('../services/crypto.ts');
  const { createLogger } = await import('../services/log.ts');
  const { sql } = await import('drizzle-orm');
  const url = process.env.BENCH_SIM_URL!;
  const config = loadConfig({ TW_SECRET_KEY: 'c'.repeat(64), TW_LOGIN_URL: url, TW_GRAPH_URL: url, TW_MANAGEMENT_URL: url, TW_COLLECT_BACKFILL_DAYS: '1' });
  const secrets = createSecretBox(config.secretKey!);
  const dir = mkdtempSync(join(tmpdir(), 'tw-bench-collect-'));
  // A fresh database next to the one DATABASE_URL names, dropped at the end.
  const { createPostgresDatabase, dropPostgresDatabase } = await import('../test/helpers/database.ts');
  const base = process.env.DATABASE_URL;
  const benchUrl = base ? await createPostgresDatabase(base) : undefined;
  const database = await openDatabase(benchUrl ? { databaseUrl: benchUrl, poolSize: 10 } : { dataDir: dir });
  await database.migrate();
  const [m] = await database.db.insert(msp).values({ name: 'bench' }).returning();
  const credentialsEnc = secrets.seal(JSON.stringify({ clientSecret: SECRET }));
  const rows = await database.db
    .insert(tenant)
    .values(
      Array.from({ length: TENANTS }, (_, i) => ({
        mspId: m!.id,
        tenantGuid: tenantGuid(i),
        name: `Tenant ${i}`,
        primaryDomain: `t${i}.example`,
        authMode: 'secret' as const,
        clientId: APP_ID,
        credentialsEnc,
      })),
    )
    .returning({ id: tenant.id });
  const deps = {
    db: database.db,
    config,
    tokens: createTokenProvider(config, secrets),
    log: createLogger({ logLevel: 'silent' }),
    now: () => new Date(NOW),
    timeoutMs: 30_000,
  };

  const queue = rows.map((r) => r.id);
  let inserted = 0;
  let failedSources = 0;
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let id = queue.shift(); id; id = queue.shift()) {
        for (const r of await collectTenant(deps, id)) {
          if (r.status === 'collected') inserted += r.inserted;
          else if (r.status === 'failed') failedSources += 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const stored = ((await database.db.execute(sql`select count(*)::int as n from ${activity}`)) as unknown as { rows: { n: number }[] }).rows[0]!.n;
  const rssMb = Math.round((process.resourceUsage().maxRSS * 1024) / 1_048_576);
  const cpu = process.cpuUsage(cpuStart);
  console.log(`\n## collection cycle (${database.kind}, ${TENANTS} tenants x 9 sources, ${LATENCY_MS} ms per Microsoft call, ${CONCURRENCY} tenants at once)`);
  console.log(
    `cycle: ${seconds.toFixed(1)} s; ${inserted.toLocaleString('en-US')} records stored (${stored.toLocaleString('en-US')} in the table) = ${Math.round(inserted / seconds).toLocaleString('en-US')} records/s; ${failedSources} sources failed`,
  );
  // CPU time is steadier than the cycle time when other work shares the machine.
  console.log(`collector peak RSS: ${rssMb} MB; collector CPU during the cycle: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`);
  const what = `${TENANTS} simulated tenants, ${LATENCY_MS} ms per call, one process, ${database.kind}`;
  reportFigure({ figure: `collection cycle (${what})`, value: Number(seconds.toFixed(1)), unit: 's', command: 'npm run bench:collect' });
  reportFigure({
    figure: `records stored per second during the cycle (${what})`,
    value: Math.round(inserted / seconds),
    unit: 'records/s',
    command: 'npm run bench:collect',
  });
  reportFigure({ figure: `collector peak RSS (${what})`, value: rssMb, unit: 'MB', command: 'npm run bench:collect' });
  await database.close();
  if (base && benchUrl) await dropPostgresDatabase(base, benchUrl);
  rmSync(dir, { recursive: true, force: true });
}

async function main() {
  const { createSelfSignedCertificate } = await import('../services/sim/m365/x509.ts');
  const cert = createSelfSignedCertificate({ commonName: 'bench-simulator', keyType: 'ec', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
  const dir = mkdtempSync(join(tmpdir(), 'tw-bench-tls-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, cert.certificatePem);
  const sim = spawn(process.execPath, ['--import', 'tsx', SELF], {
    env: { ...process.env, BENCH_ROLE: 'sim', BENCH_CERT: cert.certificatePem, BENCH_KEY: cert.privateKeyPem },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: sim.stdout! }).once('line', resolve);
      sim.once('exit', (code) => reject(new Error(`simulator exited (${code})`)));
    });
    // BENCH_PROFILE=dir writes a V8 CPU profile of the collector there.
    const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
    const collector = spawn(process.execPath, [...profile, '--import', 'tsx', SELF], {
      env: { ...process.env, BENCH_ROLE: 'collector', BENCH_SIM_URL: url, NODE_EXTRA_CA_CERTS: caFile },
      stdio: 'inherit',
    });
    const code = await new Promise<number | null>((resolve) => collector.once('exit', resolve));
    if (code !== 0) throw new Error(`collector exited with ${code}`);
  } finally {
    sim.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env.BENCH_ROLE === 'sim') await runSimulator();
else if (process.env.BENCH_ROLE === 'collector') await runCollector();
else await main();
