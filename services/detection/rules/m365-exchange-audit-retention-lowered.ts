import { z } from 'zod';
import { param, succeeded } from '../records.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, count, user } from './lib/common.ts';
import { EXCHANGE_ADMIN_SOURCES } from './lib/exchange-admin.ts';
import { isSystemActor } from './lib/system-actor.ts';

const settings = z.object({ minimumDays: count(90) });

/**
 * `AuditLogAgeLimit` is how long a mailbox keeps its own audit records (90 days by default).
 * Lowering it makes the mailbox forget what was read and sent in it: an attacker erasing tracks
 * (MITRE T1562.008).
 * @example auditAgeDays('30.00:00:00') // 30
 */
export function auditAgeDays(value: string | null): number | null {
  if (!value) return null;
  const v = value.trim().replace(/^"|"$/g, '');
  // TimeSpan: `d.hh:mm:ss`, `hh:mm:ss` or a bare number of days.
  const full = /^(\d+)\.(\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?$/.exec(v);
  if (full) return Number(full[1]) + Number(full[2]) / 24 + Number(full[3]) / 1440;
  const clock = /^(\d{1,2}):(\d{2}):(\d{2})$/.exec(v);
  if (clock) return Number(clock[1]) / 24 + Number(clock[2]) / 1440;
  if (/^\d+$/.test(v)) return Number(v);
  return null;
}

export const auditRetentionLowered = defineRule({
  id: 'M365.Exchange.AuditRetentionLowered',
  title: 'Mailbox audit retention lowered',
  severity: 'high',
  mitre: ['TA0005:T1562.008'],
  description:
    "Set-Mailbox lowered a mailbox's AuditLogAgeLimit below `minimumDays` days (default 90, Microsoft's default): the mailbox forgets its audit records sooner.",
  howToReact: [
    '1. Set the limit back (Set-Mailbox <mailbox> -AuditLogAgeLimit 90 or more) now: records older than the new limit are being removed.',
    '2. Check who changed it and why; there is no routine reason to shorten mailbox audit retention.',
    "3. If unexplained, treat the admin as compromised (revoke sessions, reset the password) and review the mailbox's recent access (MailItemsAccessed, Send) while the records still exist.",
    "4. Export the mailbox's audit records now if an investigation may need them.",
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings,
  on: { sources: EXCHANGE_ADMIN_SOURCES, operations: ['Set-Mailbox'] },
  match(record, ctx) {
    if (!succeeded(record) || isSystemActor(record)) return null;
    const days = auditAgeDays(param(record, 'AuditLogAgeLimit'));
    if (days === null || days >= ctx.settings.minimumDays) return null;
    const mailbox = (param(record, 'Identity') ?? record.target ?? '').toLowerCase();
    const actor = record.actorUpn ?? 'someone';
    return {
      primary: { kind: 'mailbox', key: mailbox },
      related: record.actorUpn?.includes('@') ? [user(record.actorUpn)] : [],
      description: `${actor} lowered the audit retention of mailbox ${mailbox} to ${Math.round(days * 10) / 10} days.`,
      eventType: 'AuditLoggingChange',
      operationResult: 'Success',
      userName: record.actorUpn,
      target: mailbox,
      fields: { auditLogAgeLimitDays: days },
    };
  },
});
