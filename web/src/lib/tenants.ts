import type { components } from '$lib/api/schema';
import { api } from '$lib/api/client';
import { unwrap } from '$lib/api/errors';

/** Tenants per request on the Tenants page. */
export const TENANT_PAGE_SIZE = 100;

/** One page of the MSP's tenants, by name; pass the previous page's `nextCursor` for the next. */
export async function fetchTenantPage(cursor?: string) {
  return unwrap(await api.GET('/api/v1/tenants', { params: { query: { limit: TENANT_PAGE_SIZE, ...(cursor ? { cursor } : {}) } } }));
}

type Tenant = components['schemas']['Tenant'];
type Collector = Tenant['collectors'][number];

/** Each audit source in an admin's words. */
export const SOURCE_LABELS: Record<Collector['source'], string> = {
  'Audit.AzureActiveDirectory': 'Entra ID audit log',
  'Audit.Exchange': 'Exchange audit log',
  'Audit.SharePoint': 'SharePoint and OneDrive audit log',
  'Audit.General': 'Teams and other audit log',
  'graph.signIns': 'Sign-ins (Graph)',
  'graph.directoryAudits': 'Directory changes (Graph)',
  'graph.alerts_v2': 'Security alerts (Graph)',
  'graph.riskDetections': 'Risk detections (Graph)',
  'graph.riskyUsers': 'Risky users (Graph)',
  import: 'Imported files',
};

/** A delay in seconds as people say it: "under a minute", "12 min", "3 h 5 min", "2 days". */
export function formatLag(seconds: number | null): string {
  if (seconds === null) return 'not collected yet';
  if (seconds < 60) return 'under a minute';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return `${Math.floor(hours / 24)} days`;
}

/** Lag past which a source counts as behind: Microsoft's own audit delay is often 60-90 minutes. */
const BEHIND_SECONDS = 3 * 3600;

/** How a tenant's collection is going, in one plain sentence and a tone for its badge. */
export function tenantHealth(tenant: Tenant): { tone: 'success' | 'warning' | 'danger' | 'neutral'; summary: string } {
  if (tenant.importOnly)
    return { tone: 'neutral', summary: 'Import only: holds the exports imported into it; Tenantwatch never collects from Microsoft for it.' };
  if (tenant.status === 'disabled') return { tone: 'neutral', summary: 'Paused: Tenantwatch is not collecting from this tenant.' };
  const failing = tenant.collectors.filter((c) => c.consecutiveFailures > 0 && c.lastError);
  if (failing.length > 0) {
    const first = failing[0]!;
    const more = failing.length > 1 ? ` (and ${failing.length - 1} more ${failing.length === 2 ? 'source' : 'sources'})` : '';
    return { tone: 'danger', summary: `${SOURCE_LABELS[first.source]} is failing${more}: ${first.lastError}` };
  }
  if (tenant.collectors.length === 0) {
    return tenant.status === 'error'
      ? { tone: 'danger', summary: 'The last check failed: run the check again to see what is missing.' }
      : { tone: 'warning', summary: 'Nothing collected yet: the first collection runs within a few minutes of a successful check.' };
  }
  const worst = Math.max(...tenant.collectors.map((c) => c.lagSeconds ?? 0));
  if (worst > BEHIND_SECONDS) return { tone: 'warning', summary: `Behind: the slowest source is ${formatLag(worst)} behind.` };
  return { tone: 'success', summary: `Collecting: up to date (within ${formatLag(worst)}).` };
}
