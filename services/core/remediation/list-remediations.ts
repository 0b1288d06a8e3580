import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { getRemediationView, queryRemediations, type ListRemediationsInput } from './remediation-view.ts';

/**
 * The action history (every status) or the approvals queue (`status: 'pending_approval'`),
 * newest first; each with its target, who asked and decided, Microsoft's answer or the failure
 * in plain words, and the target user's risk score.
 * @example await listRemediations({ ctx, input: { status: 'pending_approval' } })
 */
export async function listRemediations({ ctx, input = {} }: { ctx: Ctx; input?: ListRemediationsInput }) {
  authorize(ctx, 'remediation.read');
  return queryRemediations(ctx, input);
}

export async function getRemediation({ ctx, id }: { ctx: Ctx; id: string }) {
  authorize(ctx, 'remediation.read');
  return getRemediationView(ctx, id);
}
