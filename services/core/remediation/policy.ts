import { and, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { remediationPolicy, tenant } from '../../../db/schema/index.ts';
import type { DbOrTx } from '../../../db/client.ts';
import { NotFoundError } from '../../errors.ts';
import { ACTIONS, ACTION_NAMES, type ActionName } from '../../remediation/actions/index.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';

export interface EffectivePolicy {
  action: ActionName;
  requireApproval: boolean;
  allowSelfApproval: boolean;
  /** Where the setting comes from: the tenant's own, the MSP's, or the built-in default. */
  source: 'tenant' | 'msp' | 'default';
  /** Said when approval is off for an action that restricts someone's access. */
  warning: string | null;
}

/**
 * The built-in default: actions that restrict someone's access (block sign-in, revoke sessions,
 * reset password, disable an app or revoke its consent) wait for an approver; the rest (rules,
 * forwarding, links, MFA re-registration, risk verdicts) run at once.
 */
export function defaultRequiresApproval(action: ActionName): boolean {
  return ACTIONS[action].restrictsAccess;
}

function warningFor(action: ActionName, requireApproval: boolean): string | null {
  if (requireApproval || !ACTIONS[action].restrictsAccess) return null;
  return `${ACTIONS[action].title} restricts a user's or an app's access, and runs without approval: anyone who can request it (technicians and up, and triggers) locks the account at once.`;
}

/** The policy an action follows in a tenant: the tenant's setting, else the MSP's, else the default. */
export async function effectivePolicy(db: DbOrTx, msp: string, tenantId: string | null, action: ActionName): Promise<EffectivePolicy> {
  const rows = await db
    .select({
      tenantId: remediationPolicy.tenantId,
      requireApproval: remediationPolicy.requireApproval,
      allowSelfApproval: remediationPolicy.allowSelfApproval,
    })
    .from(remediationPolicy)
    .where(
      and(
        eq(remediationPolicy.mspId, msp),
        eq(remediationPolicy.action, action),
        tenantId ? sql`(${remediationPolicy.tenantId} is null or ${remediationPolicy.tenantId} = ${tenantId})` : isNull(remediationPolicy.tenantId),
      ),
    );
  const own = rows.find((r) => r.tenantId !== null) ?? rows.find((r) => r.tenantId === null);
  const requireApproval = own?.requireApproval ?? defaultRequiresApproval(action);
  return {
    action,
    requireApproval,
    allowSelfApproval: own?.allowSelfApproval ?? false,
    source: own ? (own.tenantId ? 'tenant' : 'msp') : 'default',
    warning: warningFor(action, requireApproval),
  };
}

export const listPoliciesInput = z.object({ tenantId: z.uuid().optional() });

/** Every action's policy for the MSP, or for one tenant (with where each setting comes from). */
export async function listRemediationPolicies({ ctx, input = {} }: { ctx: Ctx; input?: z.input<typeof listPoliciesInput> }) {
  authorize(ctx, 'remediation.read');
  const { tenantId } = listPoliciesInput.parse(input);
  if (tenantId) await assertTenant(ctx, tenantId);
  const items = [];
  for (const action of ACTION_NAMES)
    items.push({
      ...(await effectivePolicy(ctx.db, ctx.msp, tenantId ?? null, action)),
      title: ACTIONS[action].title,
      restrictsAccess: ACTIONS[action].restrictsAccess,
    });
  return { items };
}

export const setPolicyInput = z.object({
  action: z.enum(ACTION_NAMES),
  /** null: the MSP-wide setting. */
  tenantId: z.uuid().nullable().default(null),
  /** null removes the setting (the MSP's, or the default, applies again). */
  requireApproval: z.boolean().nullable(),
  allowSelfApproval: z.boolean().default(false),
});

/** Sets (or clears) whether an action needs approval, MSP-wide or for one tenant; audited, with the warning when approval is turned off for an access-restricting action. */
export async function setRemediationPolicy({ ctx, input }: { ctx: Ctx; input: z.input<typeof setPolicyInput> }) {
  authorize(ctx, 'remediation.policy');
  const data = setPolicyInput.parse(input);
  if (data.tenantId) await assertTenant(ctx, data.tenantId);
  const by = ctx.actor.type === 'user' ? ctx.actor.id : ctx.actor.type === 'token' ? ctx.actor.userId : null;
  await ctx.db.transaction(async (tx) => {
    const scope = and(
      eq(remediationPolicy.mspId, ctx.msp),
      eq(remediationPolicy.action, data.action),
      data.tenantId ? eq(remediationPolicy.tenantId, data.tenantId) : isNull(remediationPolicy.tenantId),
    );
    await tx.delete(remediationPolicy).where(scope);
    if (data.requireApproval !== null) {
      await tx.insert(remediationPolicy).values({
        mspId: ctx.msp,
        tenantId: data.tenantId,
        action: data.action,
        requireApproval: data.requireApproval,
        allowSelfApproval: data.allowSelfApproval,
        updatedBy: by,
      });
    }
    await writeAudit(tx, ctx, 'remediation.policy_set', data.tenantId ? { type: 'tenant', id: data.tenantId } : null, {
      action: data.action,
      requireApproval: data.requireApproval,
      allowSelfApproval: data.allowSelfApproval,
    });
  });
  return effectivePolicy(ctx.db, ctx.msp, data.tenantId, data.action);
}

async function assertTenant(ctx: Ctx, tenantId: string): Promise<void> {
  const [row] = await ctx.db
    .select({ id: tenant.id })
    .from(tenant)
    .where(and(eq(tenant.id, tenantId), eq(tenant.mspId, ctx.msp)))
    .limit(1);
  if (!row) throw new NotFoundError('Tenant not found.');
}
