/** Delete inbox rule (Exchange `Remove-InboxRule`). Not undoable: the snapshot keeps what the rule was. */
import { done, findInboxRule, must } from './lib.ts';
import type { JsonObject, RemediationAction } from './types.ts';

export const deleteInboxRule: RemediationAction = {
  name: 'delete-inbox-rule',
  title: 'Delete inbox rule',
  description: 'Removes the inbox rule from the mailbox for good.',
  entityKinds: ['inbox_rule'],
  permission: { resource: 'exchange', permission: 'Exchange.ManageAsApp' },
  restrictsAccess: false,
  async snapshot(ctx, target): Promise<JsonObject> {
    const rule = await findInboxRule(ctx, target.key);
    return rule ? { mailbox: rule.mailbox, identity: rule.identity, name: rule.name, enabled: rule.enabled } : { exists: false };
  },
  async run(ctx, target) {
    const rule = await findInboxRule(ctx, target.key);
    // Already gone (a retry after the removal, or someone else removed it): nothing to do.
    if (!rule) return done({ rule: target.key, removed: false, note: 'The rule no longer exists.' }, true);
    const answer = await ctx.exchange.invoke('Remove-InboxRule', { Identity: rule.identity, Confirm: false });
    if (!answer.ok && answer.failure.status === 404) return done({ rule: target.key, removed: false, note: 'The rule no longer exists.' }, true);
    must(answer);
    return done({ cmdlet: 'Remove-InboxRule', identity: rule.identity, name: rule.name, removed: true });
  },
};
