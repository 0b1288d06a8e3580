import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { tenant } from '../../../db/schema/index.ts';
import { runOnboardingCheck, type OnboardingCheckDeps, type VerifyReport } from '../../collector/onboarding-check.ts';
import { NotFoundError } from '../../errors.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';

export type VerifyTenantDeps = Pick<OnboardingCheckDeps, 'config' | 'tokens'>;

/**
 * The onboarding check of one of the MSP's tenants (sign in, granted and missing permissions,
 * the audit subscriptions: collector/onboarding-check.ts) with its audit entry `tenant.verify`,
 * whoever asks: the API, the consent callback or `tenantwatch tenant verify`. The check talks to
 * Microsoft, so it runs outside a transaction; the entry records its outcome afterwards.
 * @example const report = await verifyTenant({ ctx, id, deps: { config, tokens } })
 */
export async function verifyTenant({ ctx, id, deps }: { ctx: Ctx; id: string; deps: VerifyTenantDeps }): Promise<VerifyReport> {
  authorize(ctx, 'tenant.write');
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('Tenant not found.');
  const [row] = await ctx.db
    .select({ id: tenant.id })
    .from(tenant)
    .where(and(eq(tenant.id, id), eq(tenant.mspId, ctx.msp)))
    .limit(1);
  if (!row) throw new NotFoundError('Tenant not found.');
  const report = await runOnboardingCheck({ db: ctx.db, config: deps.config, tokens: deps.tokens, secrets: ctx.secrets }, row.id);
  await writeAudit(ctx.db, ctx, 'tenant.verify', { type: 'tenant', id: row.id }, { status: report.status, missing: report.missing.map((m) => m.permission) });
  return report;
}
