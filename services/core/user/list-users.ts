import { asc, eq } from 'drizzle-orm';
import { appUser } from '../../../db/schema/index.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';

export async function listUsers({ ctx }: { ctx: Ctx }) {
  authorize(ctx, 'user.read');
  return ctx.db
    .select({
      id: appUser.id,
      email: appUser.email,
      name: appUser.name,
      role: appUser.role,
      status: appUser.status,
      createdAt: appUser.createdAt,
      lastSignInAt: appUser.lastSignInAt,
    })
    .from(appUser)
    .where(eq(appUser.mspId, ctx.msp))
    .orderBy(asc(appUser.email));
}
