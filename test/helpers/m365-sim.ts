/**
 * Shared setup for the simulator's own tests: a registered collector app (secret and
 * certificate), two small tenants with different consents, and helpers to get tokens.
 */
import { createSigningKeys, type SigningKeys } from '../../services/sim/m365/access-token.ts';
import { startM365Simulator, type M365Simulator, type M365SimulatorOptions } from '../../services/sim/m365/index.ts';
import { collectorConsent } from '../../services/sim/m365/scenarios/index.ts';
import type { GraphUser } from '../../services/sim/m365/records.ts';
import type { AppRegistration, TenantScenario } from '../../services/sim/m365/state.ts';
import { createSelfSignedCertificate, type SelfSignedCertificate } from '../../services/sim/m365/x509.ts';
import { BUILT_IN_ROLES } from '../../services/sim/m365/directory.ts';

export const COLLECTOR_APP_ID = '5b0c0c38-7d2f-4c35-9a2e-6f1f6a0c1a11';
export const COLLECTOR_SECRET = 'Sim~Secret.8Q~contoso-collector-value';
/** The collector app's registered redirect URI (sign-in and admin consent tests). */
export const COLLECTOR_REDIRECT_URI = 'https://app.tenantwatch.example/auth/callback';
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
    requiredRoles: collectorConsent(COLLECTOR_APP_ID).roles,
    redirectUris: [COLLECTOR_REDIRECT_URI],
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

export function northwindScenario(extra: Partial<TenantScenario> = {}): TenantScenario {
  return { tenantId: NORTHWIND_ID, displayName: 'Northwind', initialDomain: 'northwind.onmicrosoft.com', consents: [], ...extra };
}

/** A member user in Graph's shape, for small hand-made tenants. */
export function testUser(id: string, upn: string, displayName: string, extra: Partial<GraphUser> = {}): GraphUser {
  const [givenName, surname] = displayName.split(' ');
  return {
    id,
    displayName,
    userPrincipalName: upn,
    mail: upn,
    accountEnabled: true,
    createdDateTime: '2023-01-10T09:00:00Z',
    lastPasswordChangeDateTime: '2024-03-01T09:00:00Z',
    otherMails: [],
    assignedLicenses: [],
    userType: 'Member',
    givenName: givenName ?? null,
    surname: surname ?? null,
    jobTitle: null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: 'en-US',
    businessPhones: [],
    usageLocation: 'US',
    signInActivity: {
      lastSignInDateTime: null,
      lastSignInRequestId: null,
      lastNonInteractiveSignInDateTime: null,
      lastNonInteractiveSignInRequestId: null,
      lastSuccessfulSignInDateTime: null,
      lastSuccessfulSignInRequestId: null,
    },
    ...extra,
  };
}

/** Northwind's people for sign-in tests: a Global Administrator, an ordinary user and a disabled account. */
export const NORTHWIND_PEOPLE = {
  admin: testUser('9a1b2c3d-0001-4a00-8000-000000000001', 'megan.admin@northwind.onmicrosoft.com', 'Megan Bowen'),
  user: testUser('9a1b2c3d-0002-4a00-8000-000000000002', 'alex.user@northwind.onmicrosoft.com', 'Alex Wilber'),
  disabled: testUser('9a1b2c3d-0003-4a00-8000-000000000003', 'gone.user@northwind.onmicrosoft.com', 'Gone User', { accountEnabled: false }),
} as const;

/** Northwind with its people; its admin holds Global Administrator. Nobody has consented to the collector yet. */
export function northwindWithPeople(extra: Partial<TenantScenario> = {}): TenantScenario {
  const { admin, user, disabled } = NORTHWIND_PEOPLE;
  return northwindScenario({
    users: [admin, user, disabled],
    directory: {
      roleAssignments: [{ id: 'ra-northwind-ga', principalId: admin.id, roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10', directoryScopeId: '/' }],
    },
    ...extra,
  });
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

export async function getJson(
  url: string,
  token: string | undefined,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
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

/** One HTML form of a simulated sign-in page: where it posts and its hidden fields. */
export interface PageForm {
  action: string;
  fields: Record<string, string>;
}

/** Reads the forms of a page the way a browser would submit them (hidden and text inputs with their values). */
export function readForms(html: string, pageUrl: string): PageForm[] {
  const unescape = (v: string): string =>
    v
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  return [...html.matchAll(/<form\b[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)].map((m) => {
    const fields: Record<string, string> = {};
    for (const input of (m[2] ?? '').matchAll(/<input\b[^>]*>/g)) {
      const name = /name="([^"]*)"/.exec(input[0])?.[1];
      const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
      if (name) fields[unescape(name)] = unescape(value);
    }
    return { action: new URL(unescape(m[1] ?? ''), pageUrl).toString(), fields };
  });
}

/**
 * Submits a sign-in page form as a browser would (urlencoded POST, no redirect following), with
 * `extra` fields such as the username, password and the button pressed.
 */
export async function submitForm(form: PageForm, extra: Record<string, string>): Promise<Response> {
  return fetch(form.action, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...form.fields, ...extra }).toString(),
    redirect: 'manual',
  });
}

/**
 * Opens an authorize or admin consent URL, signs in with `username` / `password` and presses
 * `button` on the page that follows (`accept` / `cancel` on the consent page, `back` on "Need
 * admin approval"); returns the final response (normally the 302 back to the app).
 */
export async function browserSignIn(
  url: string,
  username: string,
  password: string,
  button?: 'accept' | 'cancel' | 'back',
): Promise<{ response: Response; pages: string[] }> {
  const pages: string[] = [];
  const first = await fetch(url, { redirect: 'manual' });
  const html = await first.text();
  pages.push(html);
  const [form] = readForms(html, url);
  if (!form) return { response: new Response(html, { status: first.status, headers: first.headers }), pages };
  const second = await submitForm(form, { login: username, passwd: password, action: 'signin' });
  if (second.status !== 200 || !button) return { response: second, pages };
  const next = await second.text();
  pages.push(next);
  const [decision] = readForms(next, form.action);
  if (!decision) return { response: new Response(next, { status: 200, headers: second.headers }), pages };
  return { response: await submitForm(decision, { decision: button }), pages };
}

/** Assigns a built-in Entra role to an app's service principal in a tenant (what an admin does in the portal). */
export function assignAppRole(sim: M365Simulator, tenantId: string, appId: string, roleName: string): void {
  const tenant = sim.state.findTenant(tenantId);
  const consent = tenant?.consents.get(appId.toLowerCase());
  const role = BUILT_IN_ROLES.find((r) => r.displayName === roleName);
  if (!tenant || !consent || !role) throw new Error(`cannot assign ${roleName} to ${appId} in ${tenantId}`);
  const principalId = sim.state.servicePrincipalId(tenant, consent);
  tenant.directory.roleAssignments.push({ id: `${role.id}-${principalId}`, principalId, roleDefinitionId: role.id, directoryScopeId: '/' });
}
