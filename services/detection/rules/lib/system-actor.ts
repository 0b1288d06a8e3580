/**
 * Microsoft's own provisioning. When a tenant or mailbox is set up, Exchange and Entra make
 * changes that look like an admin's (FullAccess on DiscoverySearchMailbox for Discovery
 * Management, role assignments, service principals); they are judged by who made them, not by
 * who receives access.
 */
import { asString, rawOf } from '../../records.ts';
import type { DetectionRecord } from '../../types.ts';

/** Audit log `UserType` values for Microsoft's own accounts: DcAdmin (3), System (4), SystemPolicy (8). */
const SYSTEM_USER_TYPES = new Set([3, 4, 8]);
/** Service accounts Exchange and Windows write as the actor. */
const SYSTEM_ACCOUNTS = /^(nt authority\\|s-1-5-18$|s-1-5-19$|s-1-5-20$|exchange online$|microsoft exchange)/i;
/** Microsoft's first-party service principals as the directory audit names an app actor. */
const MICROSOFT_SERVICES = /^(microsoft|office 365|o365|exchange|sharepoint|azure|windows|intune|power bi|dynamics|skype|teams)\b/i;

export function isSystemActor(record: DetectionRecord): boolean {
  const raw = rawOf(record);
  const userType = Number(asString(raw.UserType));
  if (SYSTEM_USER_TYPES.has(userType)) return true;
  const actor = record.actorUpn ?? '';
  if (SYSTEM_ACCOUNTS.test(actor)) return true;
  // Graph directoryAudits: an app without a user made the change.
  const initiatedBy = raw.initiatedBy as { user?: unknown; app?: { displayName?: unknown } | null } | undefined;
  const appName = asString(initiatedBy?.app?.displayName);
  if (!initiatedBy?.user && appName && MICROSOFT_SERVICES.test(appName)) return true;
  // The audit log names a first-party app actor by its display name instead of a UPN.
  return actor !== '' && !actor.includes('@') && MICROSOFT_SERVICES.test(actor);
}
