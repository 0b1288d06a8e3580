/**
 * Runs one remediation action (or its undo) against a tenant: the entity kind and the
 * permission are checked before anything is called, then the "before" state is read (or the
 * stored one is used, for undo), then the change is made.
 *
 * @example
 *   const ctx = actionContextFor(access, tenantRow);
 *   const { before, outcome } = await executeAction(ctx, 'block-sign-in', { kind: 'user', key: 'megan@contoso.com' });
 */
import { exchangeClientFor } from '../microsoft/exchange-client.ts';
import { graphClientFor, type MicrosoftAccess } from '../microsoft/graph-client.ts';
import type { TenantAuth, TokenProvider } from '../microsoft/token-provider.ts';
import { ACTIONS, RemediationError, type ActionContext, type ActionName, type ActionOutcome, type ActionTarget, type JsonObject } from './actions/index.ts';
import { requirePermission } from './actions/lib.ts';

/** The Microsoft clients of one tenant row, as actions use them. */
export function actionContextFor(access: MicrosoftAccess & { tokens: Pick<TokenProvider, 'getToken' | 'grantedRoles'> }, tenant: TenantAuth): ActionContext {
  return {
    graph: graphClientFor(access, tenant),
    exchange: exchangeClientFor(access, tenant),
    grantedRoles: (resource) => access.tokens.grantedRoles(tenant, resource),
  };
}

export interface Execution {
  before: JsonObject;
  outcome: ActionOutcome;
}

export async function executeAction(ctx: ActionContext, name: ActionName, target: ActionTarget): Promise<Execution> {
  const action = ACTIONS[name];
  if (!action.entityKinds.includes(target.kind)) {
    throw new RemediationError(
      `${action.title} does not apply to ${target.kind.replace('_', ' ')} entities (it applies to: ${action.entityKinds.join(', ').replaceAll('_', ' ')}).`,
      'unsupported',
    );
  }
  await requirePermission(ctx, action.permission, action.title);
  const before = await action.snapshot(ctx, target);
  const outcome = await action.run(ctx, target, before);
  return { before, outcome };
}

/** Puts the state recorded before the action back, for actions that can be undone. */
export async function undoAction(ctx: ActionContext, name: ActionName, target: ActionTarget, before: JsonObject): Promise<ActionOutcome> {
  const action = ACTIONS[name];
  if (!action.undo) throw new RemediationError(`${action.title} cannot be undone from Tenantwatch.`, 'unsupported');
  await requirePermission(ctx, action.permission, `Undoing ${action.title.toLowerCase()}`);
  return action.undo(ctx, target, before);
}
