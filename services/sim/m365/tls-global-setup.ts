/**
 * Vitest globalSetup that lets tests use the Graph SDK against an https simulator in-process.
 * NODE_EXTRA_CA_CERTS is read when a Node process starts, so it has to be set before the test
 * workers are forked: this setup (run in the main Vitest process) creates one certificate for
 * 127.0.0.1/localhost, writes it out, and exports NODE_EXTRA_CA_CERTS and M365_SIM_TLS_DIR,
 * which the forked workers inherit. Tests then start simulators with `simulatorTls()`.
 *
 * Use: `globalSetup: ['services/sim/m365/tls-global-setup.ts']` in a Vitest config.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSelfSignedCertificate } from './x509.ts';

let dir: string | undefined;

export function setup(): void {
  const cert = createSelfSignedCertificate({ commonName: 'm365-simulator', keyType: 'ec', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
  dir = mkdtempSync(join(tmpdir(), 'm365-sim-tls-'));
  writeFileSync(join(dir, 'cert.pem'), cert.certificatePem);
  writeFileSync(join(dir, 'key.pem'), cert.privateKeyPem, { mode: 0o600 });
  process.env.NODE_EXTRA_CA_CERTS = join(dir, 'cert.pem');
  process.env.M365_SIM_TLS_DIR = dir;
}

export function teardown(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}
