import { and, desc, eq, lt, or } from 'drizzle-orm';
import { z } from 'zod';
import { appUser, importRun, tenant } from '../../../db/schema/index.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { listCursor, pageInput } from '../pagination.ts';
import { importRunColumns } from './get-import.ts';
import { toImportView } from './import-view.ts';

export const listImportsInput = pageInput.extend({ tenantId: z.string().optional() });

const cursorShape = z.tuple([z.string(), z.uuid()]);

/** The MSP's imports, newest first, optionally of one tenant (an unknown or foreign tenant lists nothing). */
export async function listImports({ ctx, input }: { ctx: Ctx; input: z.input<typeof listImportsInput> }) {
  authorize(ctx, 'import.read');
  const { limit, cursor, tenantId } = listImportsInput.parse(input);
  if (tenantId !== undefined && !z.uuid().safeParse(tenantId).success) return { items: [], nextCursor: null };
  const pages = listCursor(ctx, `imports:${tenantId ?? 'all'}`, cursorShape);
  const after = pages.decode(cursor);
  const afterTime = after ? new Date(after[0]) : null;
  const rows = await ctx.db
    .select(importRunColumns)
    .from(importRun)
    .innerJoin(tenant, eq(tenant.id, importRun.tenantId))
    .leftJoin(appUser, eq(appUser.id, importRun.userId))
    .where(
      and(
        eq(importRun.mspId, ctx.msp),
        tenantId ? eq(importRun.tenantId, tenantId) : undefined,
        afterTime && after ? or(lt(importRun.createdAt, afterTime), and(eq(importRun.createdAt, afterTime), lt(importRun.id, after[1]))) : undefined,
      ),
    )
    .orderBy(desc(importRun.createdAt), desc(importRun.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => toImportView(r.run, r)),
    nextCursor: rows.length > limit && last ? pages.encode([last.run.createdAt.toISOString(), last.run.id]) : null,
  };
}
