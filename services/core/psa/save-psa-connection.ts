import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { psaConnection, psaTenantMapping, tenant, type PsaKind } from '../../../db/schema/index.ts';
import { ValidationError } from '../../errors.ts';
import { PSA_PROVIDERS } from '../../psa/providers.ts';
import { checkTicketTemplate, operationalSettingsSchema, templatesSchema } from '../../psa/ticketing.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { psaConnectionView } from './get-psa-connection.ts';
import { findPsaConnection, readPsaSettings } from './psa-connection.ts';

export const savePsaConnectionInput = z.object({
  enabled: z.boolean().optional(),
  connection: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("The provider's connection settings (ConnectWise: site, companyId, publicKey, clientId, apiVersion; Autotask: userName, discoveryUrl)"),
  credentials: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('The secret parts (ConnectWise: privateKey; Autotask: secret, integrationCode); omitted keeps the stored ones. Never returned.'),
  templates: z.object({ summary: z.string().optional(), description: z.string().optional() }).optional(),
  operations: operationalSettingsSchema.partial().optional(),
  mappings: z
    .array(
      z.object({
        tenantId: z.uuid(),
        companyId: z.string().min(1).max(100),
        companyName: z.string().min(1).max(300),
        routing: z.record(z.string(), z.string().max(200)).default({}),
      }),
    )
    .max(5000)
    .optional()
    .describe('The full list of tenant mappings (replaces the stored list); each was confirmed by the person saving'),
});

/** Connects or changes a PSA: settings are checked against the provider's schema, keys sealed, every change audited (without secrets). */
export async function savePsaConnection({ ctx, kind, input }: { ctx: Ctx; kind: PsaKind; input: z.input<typeof savePsaConnectionInput> }) {
  authorize(ctx, 'psa.write');
  const body = savePsaConnectionInput.parse(input);
  const provider = PSA_PROVIDERS[kind];
  return ctx.db.transaction(async (tx) => {
    const existing = await findPsaConnection(tx, ctx.msp, kind);
    const stored = readPsaSettings(existing);
    const changed: string[] = [];

    let connection = stored.connection;
    if (body.connection) {
      const parsed = provider.settingsSchema.safeParse(body.connection);
      if (!parsed.success)
        throw new ValidationError(
          `The ${provider.label} settings are not complete.`,
          parsed.error.issues.map((i) => ({ path: `connection.${i.path.join('.')}`, message: i.message })),
        );
      connection = parsed.data as Record<string, unknown>;
      changed.push('connection');
    }
    let credentialsEnc = existing?.credentialsEnc ?? null;
    if (body.credentials) {
      const parsed = provider.credentialsSchema.safeParse(body.credentials);
      if (!parsed.success)
        throw new ValidationError(
          `The ${provider.label} keys are not complete.`,
          parsed.error.issues.map((i) => ({ path: `credentials.${i.path.join('.')}`, message: i.message })),
        );
      credentialsEnc = ctx.secrets.seal(JSON.stringify(parsed.data));
      changed.push('credentials');
    }
    let templates = stored.templates;
    if (body.templates) {
      templates = templatesSchema.parse({ ...stored.templates, ...body.templates });
      for (const [name, text] of Object.entries(templates)) {
        const check = checkTicketTemplate(text);
        if (!check.ok)
          throw new ValidationError(
            `The ${name} template has a problem: ${check.errors[0]!.message}.`,
            check.errors.map((e) => ({ path: `templates.${name}`, message: e.message, offset: e.position })),
          );
      }
      changed.push('templates');
    }
    const operations = body.operations ? operationalSettingsSchema.parse({ ...stored.operations, ...body.operations }) : stored.operations;
    if (body.operations) changed.push('operations');

    const settings = { connection, templates, operations };
    const now = new Date();
    const [row] = existing
      ? await tx
          .update(psaConnection)
          .set({ settings, credentialsEnc, ...(body.enabled !== undefined ? { enabled: body.enabled } : {}), updatedAt: now })
          .where(eq(psaConnection.id, existing.id))
          .returning()
      : await tx
          .insert(psaConnection)
          .values({ mspId: ctx.msp, kind, settings, credentialsEnc, enabled: body.enabled ?? true })
          .returning();
    if (body.enabled !== undefined && body.enabled !== existing?.enabled) changed.push('enabled');

    if (body.mappings) {
      const ids = [...new Set(body.mappings.map((m) => m.tenantId))];
      if (ids.length !== body.mappings.length) throw new ValidationError('A tenant is mapped twice.', [{ path: 'mappings', message: 'each tenant once' }]);
      const known = ids.length
        ? await tx
            .select({ id: tenant.id })
            .from(tenant)
            .where(and(eq(tenant.mspId, ctx.msp), inArray(tenant.id, ids)))
        : [];
      // Another MSP's tenant id is refused the same way as one that does not exist.
      if (known.length !== ids.length) throw new ValidationError('A mapped tenant was not found.', [{ path: 'mappings', message: 'unknown tenant' }]);
      await tx.delete(psaTenantMapping).where(eq(psaTenantMapping.connectionId, row!.id));
      if (body.mappings.length) {
        await tx.insert(psaTenantMapping).values(
          body.mappings.map((m) => ({
            mspId: ctx.msp,
            connectionId: row!.id,
            tenantId: m.tenantId,
            companyId: m.companyId,
            companyName: m.companyName,
            routing: m.routing,
            confirmedBy: ctx.actor.type === 'system' ? null : ctx.actor.type === 'token' ? ctx.actor.userId : ctx.actor.id,
            confirmedAt: now,
          })),
        );
      }
      changed.push('mappings');
    }
    await writeAudit(
      tx,
      ctx,
      existing ? 'psa.update' : 'psa.connect',
      { type: 'psa_connection', id: row!.id },
      { kind, changed, ...(body.mappings ? { mappedTenants: body.mappings.length } : {}) },
    );
    return psaConnectionView({ ...ctx, db: tx }, kind, row);
  });
}
