import { asc, eq } from 'drizzle-orm';
import { appUser } from '../../../db/schema/index.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { toUserView } from './user-view.ts';

export async function listUsers({ ctx }: { ctx: Ctx }) {
  authorize(ctx, 'user.read');
  const rows = await ctx.db.select().from(appUser).where(eq(appUser.mspId, ctx.msp)).orderBy(asc(appUser.email));
  return rows.map(toUserView);
}
