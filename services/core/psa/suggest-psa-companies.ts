import { eq } from 'drizzle-orm';
import { tenant, type PsaKind } from '../../../db/schema/index.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { toAppError } from './list-psa-options.ts';
import { requirePsaConnection, storedPsaClient } from './psa-connection.ts';
import type { PsaOption } from '../../psa/types.ts';

const LEGAL_FORMS = /\b(ltd|limited|inc|incorporated|llc|gmbh|ag|plc|corp|corporation|co|company|sa|bv|pty|the)\b\.?/g;
/** A company or tenant name reduced to its distinctive words. */
export const normaliseName = (name: string) =>
  name
    .toLowerCase()
    .replace(/\(.*?\)/g, ' ')
    .replace(LEGAL_FORMS, ' ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
/** `https://www.contoso.com/x` → `contoso.com`. */
export const normaliseDomain = (value: string) =>
  value
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/^www\./, '')
    .split(/[/?#\s]/)[0]!
    .replace(/\.$/, '');

/** Best PSA company for a tenant: a website on one of its domains first, then the same name. Only a suggestion; a person confirms it. */
export function suggestCompany(t: { name: string; primaryDomain: string }, companies: PsaOption[]): { company: PsaOption; why: 'domain' | 'name' } | null {
  const domain = normaliseDomain(t.primaryDomain);
  const domainRoot = domain.split('.')[0]!;
  for (const c of companies) {
    const sites = (c.detail ?? '')
      .split(/[\s·,]+/)
      .filter((s) => s.includes('.'))
      .map(normaliseDomain);
    if (sites.some((s) => s === domain || s.endsWith(`.${domain}`))) return { company: c, why: 'domain' };
  }
  const name = normaliseName(t.name);
  const exact = companies.find((c) => normaliseName(c.name) === name && name !== '');
  if (exact) return { company: exact, why: 'name' };
  const byRoot = companies.find((c) => normaliseName(c.name).split(' ')[0] === domainRoot);
  return byRoot ? { company: byRoot, why: 'domain' } : null;
}

/** For each tenant of the MSP, the PSA company that looks like it, with why. */
export async function suggestPsaCompanies({ ctx, kind }: { ctx: Ctx; kind: PsaKind }) {
  authorize(ctx, 'psa.read');
  const row = await requirePsaConnection(ctx.db, ctx.msp, kind);
  let companies: PsaOption[];
  try {
    companies = await storedPsaClient(ctx, row, { retries: 1 }).list('companies');
  } catch (e) {
    throw toAppError(e);
  }
  const tenants = await ctx.db
    .select({ id: tenant.id, name: tenant.name, primaryDomain: tenant.primaryDomain, isDemo: tenant.isDemo })
    .from(tenant)
    .where(eq(tenant.mspId, ctx.msp))
    .orderBy(tenant.name);
  return {
    companies,
    items: tenants.map((t) => {
      const s = suggestCompany(t, companies);
      return {
        tenantId: t.id,
        tenantName: t.name,
        primaryDomain: t.primaryDomain,
        isDemo: t.isDemo,
        suggestion: s ? { companyId: s.company.id, companyName: s.company.name, why: s.why } : null,
      };
    }),
  };
}
