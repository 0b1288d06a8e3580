import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { appUser, importRun, tenant } from '../../../db/schema/index.ts';
import { NotFoundError } from '../../errors.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { toImportView } from './import-view.ts';

/** The columns every view of a run reads: the run, its tenant's name, who started it. */
export const importRunColumns = { run: importRun, tenantName: tenant.name, startedBy: appUser.email };

/** One import with its progress or summary. Another MSP's import is simply not found. */
export async function getImport({ ctx, id }: { ctx: Ctx; id: string }) {
  authorize(ctx, 'import.read');
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('Import not found.');
  const [row] = await ctx.db
    .select(importRunColumns)
    .from(importRun)
    .innerJoin(tenant, eq(tenant.id, importRun.tenantId))
    .leftJoin(appUser, eq(appUser.id, importRun.userId))
    .where(and(eq(importRun.id, id), eq(importRun.mspId, ctx.msp)))
    .limit(1);
  if (!row) throw new NotFoundError('Import not found.');
  return toImportView(row.run, row);
}
