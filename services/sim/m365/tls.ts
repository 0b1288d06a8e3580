/** Reads the TLS key pair created by tls-global-setup.ts (in a test worker). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function simulatorTls(): { key: string; cert: string } {
  const dir = process.env.M365_SIM_TLS_DIR;
  if (!dir || !process.env.NODE_EXTRA_CA_CERTS) {
    throw new Error('no simulator certificate: run the tests with globalSetup services/sim/m365/tls-global-setup.ts');
  }
  return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
}
