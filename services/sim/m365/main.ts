/**
 * Runs the Microsoft 365 simulator from the command line (`npx tsx services/sim/m365/main.ts`).
 *
 *   --port 4365            (or M365_SIM_PORT / PORT; 0 = any free port)
 *   --host 127.0.0.1
 *   --day 2024-05-06       scenario day (default: yesterday, UTC)
 *   --seed demo            scenario seed
 *   --tls --ca-out ./sim-ca.pem   serve https with a fresh self-signed certificate and write it
 *                                  out for NODE_EXTRA_CA_CERTS (needed by the Graph SDK)
 *   --app-id / --app-secret        the collector app (or M365_SIM_APP_ID / M365_SIM_APP_SECRET)
 *
 * Tenants: Contoso with the `bec` story on top of an ordinary day, Fabrikam with a 300-user
 * `baseline` day. This is a boot entry point: the only place the simulator reads argv/env.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { graphClientOptions, msalAuthorityOptions } from './client-options.ts';
import { startM365Simulator } from './index.ts';
import { CONTOSO, FABRIKAM, baselineScenario, becScenario, collectorConsent } from './scenarios/index.ts';
import { createSelfSignedCertificate } from './x509.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    day: { type: 'string' },
    seed: { type: 'string' },
    tls: { type: 'boolean' },
    'ca-out': { type: 'string' },
    'app-id': { type: 'string' },
    'app-secret': { type: 'string' },
  },
});

const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
const config = z
  .object({
    port: z.coerce.number().int().min(0).max(65535).default(4365),
    host: z.string().default('127.0.0.1'),
    day: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .default(yesterday),
    seed: z.string().default('demo'),
    tls: z.boolean().default(false),
    caOut: z.string().default('./m365-sim-ca.pem'),
    appId: z.string().uuid().default('5b0c0c38-7d2f-4c35-9a2e-6f1f6a0c1a11'),
    appSecret: z.string().min(1).default('Sim~Secret.8Q~contoso-collector-value'),
  })
  .parse({
    port: values.port ?? process.env.M365_SIM_PORT ?? process.env.PORT,
    host: values.host,
    day: values.day,
    seed: values.seed,
    tls: values.tls,
    caOut: values['ca-out'],
    appId: values['app-id'] ?? process.env.M365_SIM_APP_ID,
    appSecret: values['app-secret'] ?? process.env.M365_SIM_APP_SECRET,
  });

const tls = config.tls
  ? createSelfSignedCertificate({ commonName: 'm365-simulator', keyType: 'ec', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] })
  : undefined;
if (tls) writeFileSync(config.caOut, tls.certificatePem);

const consents = [collectorConsent(config.appId)];
const sim = await startM365Simulator({
  port: config.port,
  host: config.host,
  ...(tls ? { tls: { key: tls.privateKeyPem, cert: tls.certificatePem } } : {}),
  apps: [
    {
      appId: config.appId,
      displayName: 'Tenantwatch Collector (simulated)',
      secrets: [{ value: config.appSecret }],
      // What admin consent grants, and where it may send the browser back (a local Tenantwatch).
      requiredRoles: collectorConsent(config.appId).roles,
      redirectUris: ['http://localhost:8787/api/v1/tenants/consent-callback', 'http://127.0.0.1:8787/api/v1/tenants/consent-callback'],
    },
  ],
  tenants: [
    becScenario({ seed: `${config.seed}/contoso`, day: config.day, consents }),
    baselineScenario({ seed: `${config.seed}/fabrikam`, day: config.day, consents, tenant: { ...FABRIKAM } }),
  ],
});

console.log(`Microsoft 365 simulator listening on ${sim.url}`);
console.log(`  tenants: ${CONTOSO.tenantId} (contoso.com, bec), ${FABRIKAM.tenantId} (fabrikam.com, baseline) — day ${config.day}`);
console.log(`  app: ${config.appId}`);
if (tls) console.log(`  certificate written to ${config.caOut}; start clients with NODE_EXTRA_CA_CERTS=${config.caOut}`);
console.log(`  msal-node auth options for Contoso: ${JSON.stringify(msalAuthorityOptions(sim.url, CONTOSO.tenantId))}`);
console.log(`  Graph client options: ${JSON.stringify({ ...graphClientOptions(sim.url), customHosts: [...graphClientOptions(sim.url).customHosts] })}`);
console.log(`  control API: ${sim.url}/_sim/tenants`);

const stop = async (): Promise<void> => {
  await sim.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
