/**
 * Shared setup for the simulator's own tests: a registered collector app (secret and
 * certificate), two small tenants with different consents, and helpers to get tokens.
 */
import { createSigningKeys, type SigningKeys } from './access-token.ts';
import { startM365Simulator, type M365Simulator, type M365SimulatorOptions } from './index.ts';
import { collectorConsent } from './scenarios/index.ts';
import type { AppRegistration, TenantScenario } from './state.ts';
import { createSelfSignedCertificate, type SelfSignedCertificate } from './x509.ts';

export const COLLECTOR_APP_ID = '5b0c0c38-7d2f-4c35-9a2e-6f1f6a0c1a11';
export const COLLECTOR_SECRET = 'Sim~Secret.8Q~contoso-collector-value';
export const CONTOSO_ID = '0b5c1e2a-4f7d-4c1e-9b8a-1c2d3e4f5a6b';
export const FABRIKAM_ID = '7e2d9c41-3b6a-4e58-8f01-a2b3c4d5e6f7';
/** A tenant that has never consented to the collector. */
export const NORTHWIND_ID = '3f8a6b20-1c9d-4e7f-a5b6-c7d8e9f0a1b2';

let cachedCert: SelfSignedCertificate | undefined;
/** RSA key generation takes ~100 ms; one certificate serves every test in a file. */
export function collectorCertificate(): SelfSignedCertificate {
  cachedCert ??= createSelfSignedCertificate({ commonName: 'tenantwatch-collector' });
  return cachedCert;
}

export function collectorApp(): AppRegistration {
  return {
    appId: COLLECTOR_APP_ID,
    displayName: 'Tenantwatch Collector',
    secrets: [{ value: COLLECTOR_SECRET }, { value: 'old-expired-secret', endDateTime: '2020-01-01T00:00:00Z' }],
    certificates: [{ certificatePem: collectorCertificate().certificatePem }],
  };
}


export function contosoScenario(extra: Partial<TenantScenario> = {}): TenantScenario {
  return {
    tenantId: CONTOSO_ID,
    displayName: 'Contoso',
    initialDomain: 'contoso.onmicrosoft.com',
    verifiedDomains: ['contoso.com'],
    consents: [collectorConsent(COLLECTOR_APP_ID)],
    ...extra,
  };
}

export function fabrikamScenario(extra: Partial<TenantScenario> = {}): TenantScenario {
  return {
    tenantId: FABRIKAM_ID,
    displayName: 'Fabrikam',
    initialDomain: 'fabrikam.onmicrosoft.com',
    // Consented, but without the roles the collector needs: tokens come back without `roles`.
    consents: [{ appId: COLLECTOR_APP_ID, roles: {} }],
    ...extra,
  };
}

export function northwindScenario(): TenantScenario {
  return { tenantId: NORTHWIND_ID, displayName: 'Northwind', initialDomain: 'northwind.onmicrosoft.com', consents: [] };
}

export const T0 = '2024-05-06T12:00:00Z';

let sharedKeys: Promise<SigningKeys> | undefined;

export async function startTestSim(options: M365SimulatorOptions = {}): Promise<M365Simulator> {
  sharedKeys ??= createSigningKeys();
  return startM365Simulator({
    signingKeys: await sharedKeys,
    clock: { start: T0, frozen: true },
    apps: [collectorApp()],
    tenants: [contosoScenario(), fabrikamScenario(), northwindScenario()],
    ...options,
  });
}

export async function requestToken(
  sim: M365Simulator,
  tenant: string,
  fields: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${sim.url}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function secretToken(sim: M365Simulator, tenant: string, resource: 'graph' | 'manage'): Promise<string> {
  const { status, body } = await requestToken(sim, tenant, {
    grant_type: 'client_credentials',
    client_id: COLLECTOR_APP_ID,
    client_secret: COLLECTOR_SECRET,
    scope: resource === 'graph' ? 'https://graph.microsoft.com/.default' : 'https://manage.office.com/.default',
  });
  if (status !== 200 || typeof body.access_token !== 'string') throw new Error(`token request failed: ${status} ${JSON.stringify(body)}`);
  return body.access_token;
}

export async function getJson(url: string, token: string | undefined, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
  const response = await fetch(url, {
    ...init,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string> | undefined) },
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}
