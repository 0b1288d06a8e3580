import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { Agent, setGlobalDispatcher } from 'undici';

/**
 * Makes this process trust one more certificate (the demo simulator's self-signed one) besides
 * the usual roots, for both HTTP stacks the Microsoft clients use: `fetch` (undici: the Graph SDK
 * and the Management API client) and `node:https` (msal-node). NODE_EXTRA_CA_CERTS would do the
 * same, but Node reads it only when the process starts.
 *
 * @param extraCaPem the contents of NODE_EXTRA_CA_CERTS, if set: an explicit CA list replaces
 *   Node's default store, so those certificates are listed again.
 */
export function trustCertificate(pem: string, extraCaPem?: string): void {
  const ca = [...rootCertificates, ...(extraCaPem ? [extraCaPem] : []), pem];
  https.globalAgent.options.ca = ca;
  setGlobalDispatcher(new Agent({ connect: { ca } }));
}
