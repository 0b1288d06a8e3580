import { eq } from 'drizzle-orm';
import { endpointsFor } from '../microsoft/endpoints.ts';
import type { Db } from '../../db/client.ts';
import { tenant } from '../../db/schema/index.ts';
import type { Config } from '../config.ts';
import type { SecretBox } from '../crypto.ts';
import { CONTENT_TYPES, createManagementClient } from './management-api/client.ts';
import { CollectError } from '../microsoft/errors.ts';
import type { Resource, TokenProvider } from '../microsoft/token-provider.ts';
import { REQUIRED_PERMISSIONS } from '../microsoft/permissions.ts';
import { ValidationError } from '../errors.ts';

export type VerifyReport = {
  /** Sign-in problems per API, in plain words; empty when both sign-ins worked. */
  signInErrors: { api: Resource; message: string }[];
  granted: { api: Resource; permission: string }[];
  missing: { api: Resource; apiName: string; permission: string; without: string }[];
  subscriptions: { contentType: string; status: 'enabled' | 'failed'; webhook: boolean; message?: string }[];
  status: 'active' | 'error';
};

export type OnboardingCheckDeps = { db: Db; config: Pick<Config, 'microsoft' | 'collect'>; tokens: TokenProvider; secrets: SecretBox };

/** Webhook-AuthID for a tenant: `<tenant id>.<mac>`, so a notification proves which tenant it is for. */
export function webhookAuthId(secrets: SecretBox, tenantId: string): string {
  return `${tenantId}.${secrets.mac(`webhook:${tenantId}`)}`;
}

/**
 * Onboarding check: signs in to the tenant, reads which application permissions were granted,
 * says in plain words what is missing and what stops working without it, and starts the audit
 * subscriptions (with the notification webhook when one is configured). Safe to run again.
 * The service verb `verifyTenant` (core/tenant) scopes it to an MSP and audits it.
 */
export async function runOnboardingCheck(deps: OnboardingCheckDeps, tenantId: string): Promise<VerifyReport> {
  const [row] = await deps.db.select().from(tenant).where(eq(tenant.id, tenantId)).limit(1);
  if (!row) throw new Error(`tenant ${tenantId} not found`);
  if (row.importOnly)
    throw new ValidationError(
      'This tenant is import-only: Tenantwatch has no access to it at Microsoft, so there is nothing to check. Import its exports on the Import page.',
    );
  const report: VerifyReport = { signInErrors: [], granted: [], missing: [], subscriptions: [], status: 'active' };
  const roles: Record<Resource, string[] | null> = { graph: null, manage: null, exchange: null };
  for (const api of ['graph', 'manage', 'exchange'] as const) {
    try {
      roles[api] = await deps.tokens.grantedRoles(row, api);
    } catch (err) {
      report.signInErrors.push({ api, message: err instanceof Error ? err.message : String(err) });
    }
  }
  for (const p of REQUIRED_PERMISSIONS) {
    const have = roles[p.api];
    if (have === null) continue;
    if (have.includes(p.permission)) report.granted.push({ api: p.api, permission: p.permission });
    else report.missing.push(p);
  }

  if (roles.manage?.includes('ActivityFeed.Read')) {
    const client = createManagementClient({
      baseUrl: endpointsFor(deps.config, row).managementUrl,
      tenantGuid: row.tenantGuid,
      publisherId: deps.config.microsoft.publisherId,
      token: (fresh) => deps.tokens.getToken(row, 'manage', { fresh }),
    });
    const address = deps.config.collect.webhookAddress;
    for (const contentType of CONTENT_TYPES) {
      try {
        await client.startSubscription(contentType, address ? { address, authId: webhookAuthId(deps.secrets, row.id) } : undefined);
        report.subscriptions.push({ contentType, status: 'enabled', webhook: address !== null });
      } catch (err) {
        report.subscriptions.push({ contentType, status: 'failed', webhook: false, message: err instanceof CollectError ? err.message : String(err) });
      }
    }
  }

  // Signing in failed everywhere: nothing can be collected.
  report.status = report.signInErrors.length === 3 ? 'error' : 'active';
  if (row.status !== 'disabled') {
    await deps.db.update(tenant).set({ status: report.status, updatedAt: new Date() }).where(eq(tenant.id, row.id));
  }
  return report;
}
