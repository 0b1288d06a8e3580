import { parseClientIp } from '../../activity/client-ip.ts';
import { nameValueOf, normalizeAudit } from './common.ts';
import type { Normalizer } from '../../activity/types.ts';

/**
 * Exchange records: admin cmdlets (RecordType 1: New-InboxRule, Set-Mailbox, New-TransportRule,
 * Add-MailboxPermission), mailbox audit (2, 3, 50: MailItemsAccessed, UpdateInboxRules, ...).
 * Cmdlet results are the strings "True" / "False". The target of a cmdlet is what it acted on:
 * its `Identity` parameter, or the record's ObjectId (for inbox rules, `mailbox\\rule name`).
 */
export const normalizeExchange: Normalizer = (raw) =>
  normalizeAudit(raw, (r, base) => {
    const clientIp = base.clientIp ?? parseClientIp(r.ClientIPAddress);
    const userAgent = typeof r.ClientInfoString === 'string' && r.ClientInfoString !== '' ? r.ClientInfoString : null;
    const identity = nameValueOf(r.Parameters, 'Identity');
    const owner = typeof r.MailboxOwnerUPN === 'string' ? r.MailboxOwnerUPN : null;
    return { ...base, clientIp, userAgent, target: base.target ?? identity ?? owner };
  });
