/** Identity Protection's two admin verdicts on a user, shared by confirm-compromised and dismiss-user-risk. */
import { done, findUser, must, userKeyOf } from './lib.ts';
import type { ActionContext, ActionTarget, JsonObject } from './types.ts';

export async function riskOf(ctx: ActionContext, target: ActionTarget): Promise<JsonObject> {
  const user = await findUser(ctx, userKeyOf(target));
  const risky = await ctx.graph.get<{ riskState?: string; riskLevel?: string; riskDetail?: string }>(`/identityProtection/riskyUsers/${user.id}`);
  // A user Identity Protection never flagged has no riskyUser object: no risk.
  if (!risky.ok && risky.failure.status !== 404) must(risky);
  const body = risky.ok ? risky.body : {};
  return {
    userId: user.id,
    userPrincipalName: user.userPrincipalName,
    riskState: body.riskState ?? 'none',
    riskLevel: body.riskLevel ?? 'none',
    riskDetail: body.riskDetail ?? 'none',
  };
}

export async function setRisk(ctx: ActionContext, target: ActionTarget, verdict: 'confirmCompromised' | 'dismiss', doneStates: readonly string[]) {
  const before = await riskOf(ctx, target);
  if (doneStates.includes(String(before.riskState))) return done({ ...before }, true);
  must(await ctx.graph.post(`/identityProtection/riskyUsers/${verdict}`, { userIds: [before.userId] }));
  const after = await riskOf(ctx, target);
  return done({ call: `POST /identityProtection/riskyUsers/${verdict}`, status: 204, ...after });
}
