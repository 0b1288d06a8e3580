/**
 * Test setup for the entity enrichers: the Microsoft 365 simulator over HTTPS playing the bec
 * story at Contoso (the enrichment app consented with every permission it uses) and a small
 * Fabrikam whose admin consented to User.Read.All only, with tokens from the real msal-node and
 * Graph calls through the real Graph SDK. Only base URLs point at the simulator.
 */
import { ConfidentialClientApplication } from '@azure/msal-node';
import { createSigningKeys } from '../../services/sim/m365/access-token.ts';
import { startM365Simulator, type M365Simulator, type TenantScenario } from '../../services/sim/m365/index.ts';
import { baselineScenario, becScenario, CONTOSO, FABRIKAM } from '../../services/sim/m365/scenarios/index.ts';
import { COLLECTOR_APP_ID, COLLECTOR_SECRET, collectorApp } from './m365-sim.ts';
import { simulatorTls } from '../../services/sim/m365/tls.ts';
import {
  createEntityEnrichment,
  type EntityEnrichment,
  type EntityEnrichmentOptions,
  type GetToken,
  type TokenResource,
} from '../../enrichment/entities/index.ts';

export { CONTOSO, FABRIKAM };

/** Every application permission the enrichers read with. */
export const ENRICHMENT_GRAPH_ROLES = [
  'User.Read.All',
  'AuditLog.Read.All',
  'Organization.Read.All',
  'RoleManagement.Read.Directory',
  'IdentityRiskyUser.Read.All',
  'Application.Read.All',
  'MailboxSettings.Read',
  'Mail.ReadBasic.All',
  'Files.Read.All',
];

export interface EnrichmentHarness {
  sim: M365Simulator;
  entities: EntityEnrichment;
  getToken: GetToken;
  /** The bec scenario as started (mutate a copy before `startHarness` to vary it). */
  scenario: TenantScenario;
  close(): Promise<void>;
}

/** The simulator with Contoso (bec, full consent) and Fabrikam (User.Read.All only); the clock two days after the story. */
export async function startHarness(
  options: { adjust?: (scenario: TenantScenario) => void; enrichment?: Partial<EntityEnrichmentOptions> } = {},
): Promise<EnrichmentHarness> {
  const scenario = becScenario({
    consents: [{ appId: COLLECTOR_APP_ID, roles: { graph: ENRICHMENT_GRAPH_ROLES, exchange: ['Exchange.ManageAsApp'] } }],
    users: 30,
  });
  options.adjust?.(scenario);
  const fabrikam = baselineScenario({
    users: 4,
    seed: 'fabrikam',
    tenant: { ...FABRIKAM },
    consents: [{ appId: COLLECTOR_APP_ID, roles: { graph: ['User.Read.All'] } }],
  });
  const sim = await startM365Simulator({
    tls: simulatorTls(),
    signingKeys: await createSigningKeys(),
    clock: { start: '2024-05-08T06:00:00Z', frozen: true },
    apps: [collectorApp()],
    tenants: [scenario, fabrikam],
  });
  const getToken = msalTokens(sim.url);
  const entities = createEntityEnrichment({ graphBaseUrl: sim.url, exchangeBaseUrl: sim.url, getToken, ...options.enrichment });
  return { sim, entities, getToken, scenario, close: () => sim.close() };
}

const SCOPES: Record<TokenResource, string> = { graph: 'https://graph.microsoft.com/.default', exchange: 'https://outlook.office365.com/.default' };

/** Client-credentials tokens from msal-node against the simulator's authority, one app per tenant. */
export function msalTokens(simUrl: string): GetToken {
  const apps = new Map<string, ConfidentialClientApplication>();
  const host = new URL(simUrl).host;
  return async (tenant, resource, options = {}) => {
    let app = apps.get(tenant);
    if (!app) {
      app = new ConfidentialClientApplication({
        auth: { clientId: COLLECTOR_APP_ID, clientSecret: COLLECTOR_SECRET, authority: `${simUrl}/${tenant}`, knownAuthorities: [host] },
      });
      apps.set(tenant, app);
    }
    const result = await app.acquireTokenByClientCredential({ scopes: [SCOPES[resource]], skipCache: options.fresh ?? false });
    if (!result?.accessToken) throw new Error('no token');
    return result.accessToken;
  };
}

export function contosoRef<K extends 'user' | 'app' | 'inbox_rule' | 'mail_flow_rule' | 'link'>(
  kind: K,
  key: string,
): { kind: K; key: string; tenant: string } {
  return { kind, key, tenant: CONTOSO.tenantId };
}
