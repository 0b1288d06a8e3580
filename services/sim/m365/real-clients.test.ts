/**
 * The real @azure/msal-node and @microsoft/microsoft-graph-client against the simulator over
 * HTTPS, with nothing changed but base URLs (and trust in the simulator's certificate). The
 * clients run in a child process because NODE_EXTRA_CA_CERTS is read at process start.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startM365Simulator, type M365Simulator } from './index.ts';
import { CONTOSO, becScenario, collectorConsent } from './scenarios/index.ts';
import { COLLECTOR_APP_ID, collectorApp, collectorCertificate } from '../../../test/helpers/m365-sim.ts';
import { createSelfSignedCertificate } from './x509.ts';

let sim: M365Simulator;
let dir: string;
let caFile: string;

beforeAll(async () => {
  const tls = createSelfSignedCertificate({ commonName: 'm365-simulator', keyType: 'ec', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
  dir = mkdtempSync(join(tmpdir(), 'm365-sim-'));
  caFile = join(dir, 'sim-ca.pem');
  writeFileSync(caFile, tls.certificatePem);
  sim = await startM365Simulator({
    tls: { key: tls.privateKeyPem, cert: tls.certificatePem },
    clock: { start: '2024-05-07T06:00:00Z', frozen: true },
    apps: [collectorApp()],
    tenants: [becScenario({ consents: [collectorConsent(COLLECTOR_APP_ID)] })],
  });
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

function runProbe(input: Record<string, unknown>): Promise<{ signInIds: string[]; users: number; managementStatus: number }> {
  const script = fileURLToPath(new URL('../../../test/helpers/real-client-probe.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script],
      { env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile, SIM_PROBE: JSON.stringify(input) }, timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`probe failed: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout) as { signInIds: string[]; users: number; managementStatus: number });
      },
    );
  });
}

describe('real client libraries over https', () => {
  it('msal-node (certificate) + Graph SDK PageIterator collect every sign-in once, retrying a 429', async () => {
    const tenant = sim.state.tenants.get(CONTOSO.tenantId);
    if (!tenant) throw new Error('tenant missing');
    // One throttled page with a fractional Retry-After: the SDK's RetryHandler must wait and retry.
    tenant.faults.rules = [{ kind: 'throttle', apis: ['graph'], pathIncludes: 'auditLogs/signIns', retryAfterSeconds: 0.2, remaining: 1 }];
    const filter = 'createdDateTime ge 2024-05-06T14:00:00Z and createdDateTime lt 2024-05-06T20:00:00Z';
    const cert = collectorCertificate();
    const result = await runProbe({
      simUrl: sim.url,
      tenantId: CONTOSO.tenantId,
      clientId: COLLECTOR_APP_ID,
      thumbprintSha256: cert.thumbprintSha256,
      privateKeyPem: cert.privateKeyPem,
      filter,
    });

    const expected = tenant.signIns
      .map((s) => s.value)
      .filter((s) => s.createdDateTime >= '2024-05-06T14:00:00Z' && s.createdDateTime < '2024-05-06T20:00:00Z');
    expect(expected.length).toBeGreaterThan(50);
    expect(result.signInIds).toHaveLength(expected.length);
    expect(new Set(result.signInIds)).toEqual(new Set(expected.map((s) => s.id)));
    expect(result.users).toBe(61);
    expect(result.managementStatus).toBe(200);

    const log = sim.state.requestLog;
    // msal-node read OpenID discovery from the simulator and never asked for instance discovery.
    expect(log.some((r) => r.path === `/${CONTOSO.tenantId}/v2.0/.well-known/openid-configuration`)).toBe(true);
    expect(log.some((r) => r.path.includes('/discovery/instance'))).toBe(false);
    const graphCalls = log.filter((r) => r.api === 'graph' && r.path === '/v1.0/auditLogs/signIns');
    expect(graphCalls[0]).toMatchObject({ status: 429, fault: 'throttle' });
    expect(graphCalls.slice(1).every((r) => r.status === 200)).toBe(true);
    expect(graphCalls.length).toBe(1 + Math.ceil(expected.length / 25));
  });
});
