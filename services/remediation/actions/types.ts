/**
 * The contract every remediation action keeps. An action names the entity kinds it applies to
 * and the permission it needs (checked before anything is called), reads a "before" snapshot,
 * changes the tenant through Graph or the Exchange admin API, and says what Microsoft answered.
 * Running it again when the change is already made is a success that changes nothing, so a
 * retried job is harmless. Reversible actions put the snapshot back with `undo`.
 */
import type { EntityKind } from '../../../db/schema/index.ts';
import type { RemediationAction as ActionName } from '../../detection/types.ts';
import type { ExchangeClient } from '../../microsoft/exchange-client.ts';
import type { GraphClient } from '../../microsoft/graph-client.ts';

export type { ActionName };
export { REMEDIATION_ACTIONS as ACTION_NAMES } from '../../detection/types.ts';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** What an action acts on: an event's entity (`{kind: 'user', key: 'megan@contoso.com'}`). */
export interface ActionTarget {
  kind: EntityKind;
  key: string;
}

/** The tenant's Microsoft clients, and the application permissions its tokens carry. */
export interface ActionContext {
  graph: GraphClient;
  exchange: ExchangeClient;
  grantedRoles(resource: 'graph' | 'exchange'): Promise<string[]>;
}

export interface ActionOutcome {
  /** What Microsoft answered, in short: the calls made with their result, ids touched. Stored in the action history. */
  answer: JsonObject;
  /** True when the tenant was already in the wanted state and nothing was changed. */
  alreadyDone: boolean;
  /**
   * A temporary password set by reset-password: returned once to whoever asked for it, never
   * stored, never logged.
   */
  temporaryPassword?: string;
}

export interface PermissionNeed {
  resource: 'graph' | 'exchange';
  /** The permission Tenantwatch asks a tenant for (named in the message when it is missing). */
  permission: string;
  /** Any of these also allows the call (a broader permission). */
  alsoAccepted?: readonly string[];
}

export interface RemediationAction {
  name: ActionName;
  /** Plain words for buttons and history: "Block sign-in". */
  title: string;
  /** What the action does, one sentence for the confirm dialog. */
  description: string;
  entityKinds: readonly EntityKind[];
  permission: PermissionNeed;
  /**
   * Restricting someone's access (block, revoke, reset): approval is on by default, and turning
   * it off shows a warning.
   */
  restrictsAccess: boolean;
  /** Reads the state the action will change, kept so the change can be undone and shown. */
  snapshot(ctx: ActionContext, target: ActionTarget): Promise<JsonObject>;
  run(ctx: ActionContext, target: ActionTarget, before: JsonObject): Promise<ActionOutcome>;
  /** Puts the "before" state back; absent for actions that cannot be undone (a deleted rule, a removed link). */
  undo?(ctx: ActionContext, target: ActionTarget, before: JsonObject): Promise<ActionOutcome>;
}

export type RemediationErrorKind = 'permission' | 'not-found' | 'refused' | 'unsupported' | 'transient' | 'throttled';

/** An action that could not be done, in an admin's words. `transient` and `throttled` are worth retrying. */
export class RemediationError extends Error {
  constructor(
    message: string,
    readonly kind: RemediationErrorKind,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'RemediationError';
  }
}
