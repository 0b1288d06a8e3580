import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { importRun, tenant } from '../../../db/schema/index.ts';
import { NotFoundError } from '../../errors.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';

/** What an import needs before its file is read: the tenant, and the name the file came under. */
export const startImportInput = z.object({
  tenantId: z.string(),
  // Only the last path segment: a name like `..\..\audit.csv` is a label here, never a path.
  fileName: z
    .string()
    .trim()
    .max(255, 'at most 255 characters')
    .transform((v) => [...(v.split(/[\\/]/).at(-1) ?? '')].filter((ch) => ch.charCodeAt(0) > 0x1f && ch !== '\u007f').join(''))
    .pipe(z.string().min(1, 'the file needs a name')),
  sizeBytes: z.number().int().min(0),
});
export type StartImportInput = z.input<typeof startImportInput>;

/**
 * The checks an import passes before anything is read or stored: the actor's role, and a tenant
 * of their own MSP (another MSP's tenant is not found). Called before an upload is accepted.
 */
export async function checkImportTarget({ ctx, tenantId }: { ctx: Ctx; tenantId: string }) {
  authorize(ctx, 'import.run');
  if (!z.uuid().safeParse(tenantId).success) throw new NotFoundError('Tenant not found.');
  const [row] = await ctx.db
    .select({ id: tenant.id, name: tenant.name })
    .from(tenant)
    .where(and(eq(tenant.id, tenantId), eq(tenant.mspId, ctx.msp)))
    .limit(1);
  if (!row) throw new NotFoundError('Tenant not found.');
  return row;
}

/**
 * Records a new import (queued) for a file that has been received; runImport reads it. The audit
 * entry is written when the run ends, with its counts.
 */
export async function startImport({ ctx, input }: { ctx: Ctx; input: StartImportInput }) {
  const data = startImportInput.parse(input);
  const target = await checkImportTarget({ ctx, tenantId: data.tenantId });
  const actor = ctx.actor;
  const [row] = await ctx.db
    .insert(importRun)
    .values({
      mspId: ctx.msp,
      tenantId: target.id,
      userId: actor.type === 'user' ? actor.id : actor.type === 'token' ? actor.userId : null,
      actorType: actor.type,
      actorId: actor.type === 'system' ? null : actor.id,
      requestId: ctx.requestId ?? null,
      ip: ctx.ip ?? null,
      fileName: data.fileName,
      sizeBytes: data.sizeBytes,
    })
    .returning();
  return { run: row!, tenant: target };
}
