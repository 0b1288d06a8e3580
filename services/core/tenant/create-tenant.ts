import { and, eq } from 'drizzle-orm';
import { tenant } from '../../../db/schema/index.ts';
import { ConflictError } from '../../errors.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { type CreateTenantInput, createTenantInput } from './tenant-input.ts';
import { toTenantView } from './tenant-view.ts';

/** Adds a customer tenant to the MSP; credentials are sealed before they reach the database. */
export async function createTenant({ ctx, input, isDemo = false }: { ctx: Ctx; input: CreateTenantInput; isDemo?: boolean }) {
  authorize(ctx, 'tenant.write');
  const data = createTenantInput.parse(input);
  const auth = data.auth;
  const credentialsEnc =
    auth.mode === 'secret'
      ? ctx.secrets.seal(JSON.stringify({ clientSecret: auth.clientSecret }))
      : auth.mode === 'certificate'
        ? ctx.secrets.seal(JSON.stringify({ privateKeyPem: auth.privateKeyPem, thumbprint: auth.thumbprint }))
        : null;
  return ctx.db.transaction(async (tx) => {
    const [dup] = await tx
      .select({ id: tenant.id })
      .from(tenant)
      .where(and(eq(tenant.mspId, ctx.msp), eq(tenant.tenantGuid, data.tenantGuid)))
      .limit(1);
    if (dup) throw new ConflictError(`Tenant ${data.tenantGuid} is already added.`);
    const [row] = await tx
      .insert(tenant)
      .values({
        mspId: ctx.msp,
        tenantGuid: data.tenantGuid,
        name: data.name,
        primaryDomain: data.primaryDomain,
        authMode: auth.mode,
        clientId: auth.mode === 'consent' ? null : auth.clientId,
        credentialsEnc,
        isDemo,
      })
      .returning();
    await writeAudit(tx, ctx, 'tenant.create', { type: 'tenant', id: row!.id }, { tenantGuid: data.tenantGuid, authMode: auth.mode });
    return toTenantView(row!, []);
  });
}
