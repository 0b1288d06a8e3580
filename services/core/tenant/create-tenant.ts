import { and, eq, ne } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { tenant } from '../../../db/schema/index.ts';
import { ConflictError, ForbiddenError } from '../../errors.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { type CreateTenantInput, createTenantInput } from './tenant-input.ts';
import { toTenantView } from './tenant-view.ts';

export const TENANT_HELD_ELSEWHERE =
  'This Microsoft 365 tenant is already connected to Tenantwatch by another MSP. A tenant reached through the MSP app belongs to one MSP; the operator of this installation can hand it over.';

/**
 * Refuses a Microsoft tenant another MSP holds where sharing it would give access through the
 * installation's app: adding it in consent mode while another MSP watches it at all, or adding
 * it in any mode while another MSP holds it by consent. The unique index on consent tenants
 * settles a race between two transactions.
 */
export async function assertTenantFree(tx: DbOrTx, mspId: string, tenantGuid: string, mode: 'consent' | 'secret' | 'certificate') {
  const held = await tx
    .select({ authMode: tenant.authMode })
    .from(tenant)
    .where(and(eq(tenant.tenantGuid, tenantGuid.toLowerCase()), ne(tenant.mspId, mspId), eq(tenant.isDemo, false)));
  if (held.some((h) => mode === 'consent' || h.authMode === 'consent')) throw new ConflictError(TENANT_HELD_ELSEWHERE);
}

/** A unique violation of the consent-tenant index, as thrown by either driver (possibly wrapped by Drizzle). */
export function isConsentTenantTaken(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const { code, constraint, message } = e as { code?: unknown; constraint?: unknown; message?: unknown };
    if (code === '23505' && (constraint === 'tenant_consent_guid_key' || String(message).includes('tenant_consent_guid_key'))) return true;
  }
  return false;
}

/**
 * Adds a customer tenant to the MSP; credentials are sealed before they reach the database.
 *
 * A tenant in consent mode is reached through the installation's app, which any customer's
 * administrator may have consented to for another MSP: it is added only by the signed consent
 * flow (`consented`, see consent.ts) or by the installation's operator (the CLI's system actor),
 * never by naming a tenant id in a request.
 */
export async function createTenant({
  ctx,
  input,
  isDemo = false,
  consented = false,
}: {
  ctx: Ctx;
  input: CreateTenantInput;
  isDemo?: boolean;
  consented?: boolean;
}) {
  authorize(ctx, 'tenant.write');
  const data = createTenantInput.parse(input);
  const auth = data.auth;
  if (auth.mode === 'consent' && !consented && ctx.actor.type !== 'system') {
    throw new ForbiddenError(
      "A tenant that uses the MSP app is added by admin consent: create a consent link on the tenants page (POST /api/v1/tenants/consent-link) and have the customer's Global Administrator open it. To add a tenant with its own app registration, send auth.mode 'secret' or 'certificate'.",
    );
  }
  const credentialsEnc =
    auth.mode === 'secret'
      ? ctx.secrets.seal(JSON.stringify({ clientSecret: auth.clientSecret }))
      : auth.mode === 'certificate'
        ? ctx.secrets.seal(JSON.stringify({ privateKeyPem: auth.privateKeyPem, thumbprint: auth.thumbprint }))
        : null;
  try {
    return await ctx.db.transaction(async (tx) => {
      const [dup] = await tx
        .select({ id: tenant.id })
        .from(tenant)
        .where(and(eq(tenant.mspId, ctx.msp), eq(tenant.tenantGuid, data.tenantGuid)))
        .limit(1);
      if (dup) throw new ConflictError(`Tenant ${data.tenantGuid} is already added.`);
      // An import-only tenant reaches nothing at Microsoft: no other MSP's access is at stake.
      if (!isDemo && auth.mode !== 'import') await assertTenantFree(tx, ctx.msp, data.tenantGuid, auth.mode);
      const [row] = await tx
        .insert(tenant)
        .values({
          mspId: ctx.msp,
          tenantGuid: data.tenantGuid,
          name: data.name,
          primaryDomain: data.primaryDomain,
          // The auth mode column names how Microsoft is reached; an import-only tenant keeps the
          // own-app mode without an app or credentials, and `importOnly` says why.
          authMode: auth.mode === 'import' ? 'secret' : auth.mode,
          clientId: auth.mode === 'consent' || auth.mode === 'import' ? null : auth.clientId,
          credentialsEnc,
          isDemo,
          importOnly: auth.mode === 'import',
          // Nothing to verify at Microsoft: an import-only tenant is ready for imports at once.
          ...(auth.mode === 'import' ? { status: 'active' as const } : {}),
        })
        .returning();
      await writeAudit(tx, ctx, 'tenant.create', { type: 'tenant', id: row!.id }, { tenantGuid: data.tenantGuid, authMode: auth.mode });
      return toTenantView(row!, []);
    });
  } catch (err) {
    if (isConsentTenantTaken(err)) throw new ConflictError(TENANT_HELD_ELSEWHERE);
    throw err;
  }
}
