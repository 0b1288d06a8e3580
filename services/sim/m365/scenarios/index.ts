/** Ready-made tenants for tests, benchmarks and the demo. */
import type { AppConsent } from '../state.ts';

export { baselineDay, baselineScenario, CONTOSO, type BaselineOptions } from './baseline.ts';
export { becScenario, BEC, type BecOptions } from './bec.ts';
export { adminAbuseScenario, ADMIN_ABUSE, type AdminAbuseOptions } from './admin-abuse.ts';
export { generateTenantDay, type TenantDay, type TenantDayOptions } from './tenant-day.ts';
export { ATTACKER_NETWORKS, USUAL_NETWORKS, PLACES } from './network.ts';

export { FABRIKAM } from './baseline.ts';
export { smallTenantSprayScenario, SMALL_TENANT_SPRAY, type SmallTenantSprayOptions } from './small-tenant-spray.ts';
export { attackerPersistenceScenario, ATTACKER_PERSISTENCE, type AttackerPersistenceOptions } from './attacker-persistence.ts';

/** The application permissions a Tenantwatch collector needs, consented by an admin. */
export function collectorConsent(appId: string): AppConsent {
  return {
    appId,
    roles: {
      graph: [
        'AuditLog.Read.All',
        'Directory.Read.All',
        'User.Read.All',
        'SecurityAlert.Read.All',
        'IdentityRiskEvent.Read.All',
        'IdentityRiskyUser.Read.All',
        'MailboxSettings.Read',
        'Files.Read.All',
      ],
      manage: ['ActivityFeed.Read'],
      exchange: ['Exchange.ManageAsApp'],
    },
  };
}
