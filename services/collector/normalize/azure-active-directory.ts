import { parseClientIp } from '../../activity/client-ip.ts';
import { isGuid, nameValueOf, normalizeAudit } from './common.ts';
import type { Normalizer } from '../../activity/types.ts';

/** RecordType 15: STS sign-ins (UserLoggedIn / UserLoginFailed); 9 is the deprecated older form. */
const STS_LOGON = new Set([9, 15]);

/**
 * Azure AD records (directory changes, RecordType 8, and sign-ins, 15). For sign-ins
 * `ResultStatus` only says the HTTP call worked; the outcome is `LogonError` / `ErrorNumber`
 * (real records carry `ErrorNumber`, the schema documents `ErrorCode`: both are read).
 */
export const normalizeAzureActiveDirectory: Normalizer = (raw) =>
  normalizeAudit(raw, (r, base) => {
    const actorGuid = r.Actor?.find((a) => a.Type === 0 && isGuid(a.ID))?.ID ?? (isGuid(r.UserKey) ? r.UserKey : null);
    const clientIp = base.clientIp ?? parseClientIp(r.ActorIpAddress);
    const userAgent = nameValueOf(r.ExtendedProperties, 'UserAgent');
    if (STS_LOGON.has(base.recordType ?? -1)) {
      const errorNumber = String(r.ErrorNumber ?? r.ErrorCode ?? '0');
      const failed = r.Operation === 'UserLoginFailed' || (errorNumber !== '0' && errorNumber !== '') || typeof r.LogonError === 'string';
      return { ...base, actorId: actorGuid, clientIp, userAgent, result: failed ? `Failed:${errorNumber}` : 'Success' };
    }
    // Directory changes: the target is the object acted on (a UPN, an app, a role).
    const target = Array.isArray(r.Target) ? (r.Target as { ID?: string; Type?: number }[]).find((t) => t.Type === 5)?.ID : undefined;
    return { ...base, actorId: actorGuid, clientIp, userAgent, target: target ?? base.target };
  });
