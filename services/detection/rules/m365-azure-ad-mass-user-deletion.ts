import { z } from 'zod';
import { directoryOccurrence, MINUTE, operationKey, succeeded } from '../records.ts';
import { USER_DELETIONS } from '../series.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, count, minutes, user } from './lib/common.ts';
import { onDirectoryAudit } from './lib/directory-audit.ts';
import { isSystemActor } from './lib/system-actor.ts';
import { scaledThreshold, tenantSizeSettings } from './lib/tenant-size.ts';
import { busiestWindow, distinctValues, listSome } from './lib/windows.ts';

const settings = z.object({ threshold: count(10), windowMinutes: minutes(60), ...tenantSizeSettings(3, 0.3) });

/**
 * Many users deleted by one account in a short time: destruction or lock-out of the tenant
 * (MITRE T1531). Offboarding is one user at a time; a cleanup is planned and announced. In a
 * small tenant three deletions can be a third of the company.
 */
export const massUserDeletion = defineRule({
  id: 'M365.AzureAD.MassUserDeletion',
  title: 'Many users deleted by one account',
  severity: 'high',
  mitre: ['TA0040:T1531'],
  description:
    'At least `threshold` users deleted by one account within `windowMinutes` minutes (default 10 in 60; in a small tenant 30% of its users, at least `smallTenantFloor` = 3).',
  howToReact: [
    "1. Ask the account's owner whether a cleanup was planned; if not, revoke its sessions and reset its password from a break-glass account.",
    "2. Restore the deleted users from Entra ID's Deleted users (they stay restorable for 30 days, with their mailboxes and OneDrive).",
    '3. Check what else the account did: role removals, Conditional Access, app credentials.',
    '4. Limit User Administrator and Global Administrator to the few people who need them, with PIM.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings,
  on: onDirectoryAudit('Delete user', 'Hard Delete user'),
  reads: [{ series: 'directory-changes-by-actor', before: (s) => s.windowMinutes * MINUTE, after: (s) => s.windowMinutes * MINUTE }],
  match(record, ctx) {
    if (!succeeded(record) || !record.actorUpn || isSystemActor(record) || !USER_DELETIONS.has(operationKey(record.operation))) return null;
    const w = ctx.settings.windowMinutes * MINUTE;
    const deletions = ctx
      .window('directory-changes-by-actor', record.actorUpn, new Date(record.occurredAt.getTime() - w), new Date(record.occurredAt.getTime() + w))
      .filter((o) => USER_DELETIONS.has(String(o.data.op)));
    // A soft delete and the later hard delete of one user count once.
    const window = busiestWindow(deletions, record.occurredAt, w, (o) => String(o.data.target ?? o.id));
    const threshold = scaledThreshold(ctx.settings.threshold, ctx.tenant.userCount, ctx.settings);
    if (window.count < threshold) return null;
    const users = distinctValues(window.items, 'target');
    return {
      primary: user(record.actorUpn),
      related: users
        .filter((t) => t.includes('@'))
        .slice(0, 50)
        .map((t) => user(t, [])),
      description: `${record.actorUpn} deleted ${users.length} users within ${ctx.settings.windowMinutes} minutes: ${listSome(users)}.`,
      eventType: 'UserDeleted',
      operationResult: 'Success',
      userName: record.actorUpn,
      occurrenceKey: directoryOccurrence(record),
      fields: { deletedUsers: users.length, threshold },
    };
  },
});
