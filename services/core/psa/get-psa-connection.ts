import { and, eq } from 'drizzle-orm';
import { psaTenantMapping, tenant, type PsaKind } from '../../../db/schema/index.ts';
import { PSA_PROVIDERS } from '../../psa/providers.ts';
import { OPERATIONAL_SETTING_HELP } from '../../psa/ticketing.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { findPsaConnection, readPsaSettings, type PsaConnectionRow } from './psa-connection.ts';

export async function psaConnectionView(ctx: Ctx, kind: PsaKind, row: PsaConnectionRow | undefined) {
  const provider = PSA_PROVIDERS[kind];
  const settings = readPsaSettings(row);
  const mappings = row
    ? await ctx.db
        .select({
          tenantId: psaTenantMapping.tenantId,
          tenantName: tenant.name,
          primaryDomain: tenant.primaryDomain,
          companyId: psaTenantMapping.companyId,
          companyName: psaTenantMapping.companyName,
          routing: psaTenantMapping.routing,
          confirmedAt: psaTenantMapping.confirmedAt,
        })
        .from(psaTenantMapping)
        .innerJoin(tenant, eq(tenant.id, psaTenantMapping.tenantId))
        .where(and(eq(psaTenantMapping.connectionId, row.id), eq(psaTenantMapping.mspId, ctx.msp)))
        .orderBy(tenant.name)
    : [];
  return {
    kind,
    label: provider.label,
    configured: !!(row && settings.connection && row.credentialsEnc),
    enabled: row?.enabled ?? false,
    isDemo: row?.isDemo ?? false,
    connection: settings.connection,
    hasCredentials: !!row?.credentialsEnc,
    templates: settings.templates,
    operations: settings.operations,
    operationsHelp: OPERATIONAL_SETTING_HELP,
    summaryLimit: provider.summaryLimit,
    routingLists: provider.routingLists.map((l) => ({ ...l })),
    lastTest: row?.lastTestAt ? { at: row.lastTestAt.toISOString(), ok: !!row.lastTestOk, message: row.lastTestMessage ?? '' } : null,
    mappings: mappings.map((m) => ({ ...m, confirmedAt: m.confirmedAt.toISOString() })),
  };
}

/** The MSP's connection to one PSA, without its keys. */
export async function getPsaConnection({ ctx, kind }: { ctx: Ctx; kind: PsaKind }) {
  authorize(ctx, 'psa.read');
  return psaConnectionView(ctx, kind, await findPsaConnection(ctx.db, ctx.msp, kind));
}
