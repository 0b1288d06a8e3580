import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { customDetection } from '../../../db/schema/index.ts';
import type { DbOrTx } from '../../../db/client.ts';
import { NotFoundError } from '../../errors.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { toCustomDetectionView } from './custom-detection-view.ts';

/** The MSP's row, or 404: another MSP's detection answers exactly like one that does not exist. */
export async function findCustomDetection(db: DbOrTx, ctx: Pick<Ctx, 'msp'>, id: string, options: { forUpdate?: boolean } = {}) {
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('Custom detection not found.');
  const query = db
    .select()
    .from(customDetection)
    .where(and(eq(customDetection.id, id), eq(customDetection.mspId, ctx.msp)))
    .limit(1);
  const [row] = options.forUpdate ? await query.for('update') : await query;
  if (!row) throw new NotFoundError('Custom detection not found.');
  return row;
}

export async function getCustomDetection({ ctx, id }: { ctx: Ctx; id: string }) {
  authorize(ctx, 'detection.read');
  return toCustomDetectionView(await findCustomDetection(ctx.db, ctx, id));
}
