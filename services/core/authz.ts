import { USER_ROLES, type UserRole } from '../../db/schema/index.ts';
import { ForbiddenError } from '../errors.ts';
import type { Ctx } from './context.ts';

/**
 * The one place that says which role may do what. Each permission names the least role that
 * holds it; roles are ordered read_only < technician < admin < owner.
 */
export const PERMISSIONS = {
  'tenant.read': 'read_only',
  'tenant.write': 'admin',
  // Groups of tenants scope triggers: technicians see them, admins shape them.
  'tenant-group.read': 'technician',
  'tenant-group.write': 'admin',
  'event.read': 'read_only',
  // Asks Microsoft about the event's entities now (cached briefly, rate-limited per tenant).
  'event.lookup-live': 'read_only',
  'detection.read': 'read_only',
  'custom-detection.write': 'admin',
  'event.triage': 'technician',
  // "Create a ticket" on the event page: through the outbox, never two tickets for one event.
  'event.ticket': 'technician',
  'whitelist.read': 'technician',
  'whitelist.write': 'admin',
  'user.read': 'admin',
  'user.invite': 'admin',
  // Change roles, disable, remove, reset a lost second factor (never above one's own role).
  'user.write': 'admin',
  // A token never holds more than its user's role, so anyone may mint one for themselves.
  'token.create': 'read_only',
  'audit.read': 'admin',
  // Investigators (technicians and up) import a customer's audit export into its tenant: it only
  // adds activity and events, skips what is stored already, and is audited.
  'import.run': 'technician',
  'import.read': 'technician',
  // PSA connection, keys, tenant mapping and ticketing settings: owners and admins.
  'psa.read': 'admin',
  'psa.write': 'admin',
  // Triggers and their delivery history show recipients and endpoints; changing them is an admin's.
  'trigger.read': 'technician',
  'trigger.write': 'admin',
  // The demo's SMTP sink holds every MSP's alert mail of this installation, filtered per MSP.
  'outbox.read': 'admin',
  // Remediation: everyone sees what was done; technicians ask for actions (and undo them);
  // admins approve or reject, and set which actions need approval.
  'remediation.read': 'read_only',
  'remediation.request': 'technician',
  'remediation.approve': 'admin',
  'remediation.policy': 'admin',
} as const satisfies Record<string, UserRole>;

export type Permission = keyof typeof PERMISSIONS;

const rank = (role: UserRole) => USER_ROLES.indexOf(role);

export function roleAllows(role: UserRole, permission: Permission): boolean {
  return rank(role) >= rank(PERMISSIONS[permission]);
}

/** Throws ForbiddenError unless the actor's role holds the permission. */
export function authorize(ctx: Pick<Ctx, 'actor'>, permission: Permission): void {
  if (!roleAllows(ctx.actor.role, permission)) {
    throw new ForbiddenError(`Your role (${ctx.actor.role.replace('_', '-')}) cannot do this; it needs ${PERMISSIONS[permission].replace('_', '-')} or above.`);
  }
}

/** A user may grant at most their own role (an admin cannot mint owners). */
export function assertCanGrant(ctx: Pick<Ctx, 'actor'>, role: UserRole): void {
  if (rank(role) > rank(ctx.actor.role)) {
    throw new ForbiddenError(`You cannot grant the ${role.replace('_', '-')} role, which is above your own.`);
  }
}
