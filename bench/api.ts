import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Registry } from 'prom-client';
import { openDatabase } from '../db/client.ts';
import { appUser, msp } from '../db/schema/index.ts';
import { createNodeApp } from '../services/api/node.ts';
import { loadConfig } from '../services/config.ts';
import { createApiToken } from '../services/core/api-token/create-api-token.ts';
import { createTenant } from '../services/core/tenant/create-tenant.ts';
import { createSecretBox } from '../services/crypto.ts';
import { createLogger } from '../services/log.ts';
import { fmt, header, mb, percentile, reportFigure } from './util.ts';

/**
 * API round trips over loopback HTTP with keep-alive: bearer-token auth, an MSP-scoped keyset
 * page of tenants, and /healthz. Bounded: REQUESTS per endpoint, CONCURRENCY in flight.
 */
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4_000);
const CONCURRENCY = 16;

const config = loadConfig({ TW_SECRET_KEY: 'b'.repeat(64), TW_LOG_LEVEL: 'silent' });
const secrets = createSecretBox(config.secretKey!);
const database = await openDatabase(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : { dataDir: 'memory://' });
await database.migrate();
const [m] = await database.db.insert(msp).values({ name: 'bench' }).returning();
const [u] = await database.db
  .insert(appUser)
  .values({ mspId: m!.id, email: `bench-${Date.now()}@northwind.example`, role: 'owner', status: 'active' })
  .returning();
const ctx = { msp: m!.id, actor: { type: 'user', id: u!.id, role: 'owner' } as const, db: database.db, secrets };
for (let i = 0; i < 200; i++) {
  await createTenant({
    ctx,
    input: {
      name: `Tenant ${String(i).padStart(3, '0')}`,
      tenantGuid: crypto.randomUUID(),
      primaryDomain: `t${i}.example`,
      // A tenant on the MSP's app joins by admin consent only; the bench adds tenants with their own app.
      auth: { mode: 'secret', clientId: '11111111-2222-4333-8444-555555555555', clientSecret: `bench secret ${i}` },
    },
  });
}
const { token } = await createApiToken({ ctx, userId: u!.id, input: { name: 'bench' } });

const app = createNodeApp({ config, database, secrets, log: createLogger(config), metrics: new Registry() });
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((r) => server.once('listening', r));
const { port } = server.address() as AddressInfo;
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function get(path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = request({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - start) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

async function measure(label: string, path: string, headers: Record<string, string> = {}) {
  for (let i = 0; i < 200; i++) await get(path, headers); // warm-up
  const times: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        next += 1;
        times.push(await get(path, headers));
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  times.sort((a, b) => a - b);
  reportFigure({
    figure: `API ${label}, p95 (${database.kind}, ${CONCURRENCY} in flight)`,
    value: Number(percentile(times, 95).toFixed(2)),
    unit: 'ms',
    command: 'npx tsx bench/api.ts',
  });
  console.log(
    `${label}: ${fmt(times.length / seconds, 0)} req/s, p50 ${fmt(percentile(times, 50), 2)} ms, p95 ${fmt(percentile(times, 95), 2)} ms, p99 ${fmt(percentile(times, 99), 2)} ms (${fmt(times.length, 0)} requests, ${CONCURRENCY} in flight)`,
  );
}

header(`API over loopback HTTP (${database.kind})`);
await measure('GET /healthz', '/healthz');
await measure('GET /api/v1/tenants?limit=50 (bearer token, page 1 of 4)', '/api/v1/tenants?limit=50', { authorization: `Bearer ${token}` });
console.log(`peak RSS so far: ${mb(process.resourceUsage().maxRSS * 1024)}`);

agent.destroy();
server.close();
await database.close();
