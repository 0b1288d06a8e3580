/** Disable inbox rule (Exchange `Disable-InboxRule`): the rule stays, but stops acting on mail; undo enables it. */
import { done, findInboxRule, must } from './lib.ts';
import { RemediationError, type ActionContext, type ActionTarget, type RemediationAction } from './types.ts';

async function setRuleEnabled(ctx: ActionContext, target: ActionTarget, enabled: boolean) {
  const rule = await findInboxRule(ctx, target.key);
  if (!rule) throw new RemediationError(`The inbox rule ${target.key} no longer exists.`, 'not-found');
  if (rule.enabled === enabled) return done({ identity: rule.identity, name: rule.name, enabled }, true);
  const cmdlet = enabled ? 'Enable-InboxRule' : 'Disable-InboxRule';
  must(await ctx.exchange.invoke(cmdlet, { Identity: rule.identity, Confirm: false }), { notFound: `The inbox rule ${target.key} no longer exists.` });
  return done({ cmdlet, identity: rule.identity, name: rule.name, enabled });
}

export const disableInboxRule: RemediationAction = {
  name: 'disable-inbox-rule',
  title: 'Disable inbox rule',
  description: 'Turns the inbox rule off in the mailbox (it is kept, so it can be looked at or turned back on).',
  entityKinds: ['inbox_rule'],
  permission: { resource: 'exchange', permission: 'Exchange.ManageAsApp' },
  restrictsAccess: false,
  async snapshot(ctx, target) {
    const rule = await findInboxRule(ctx, target.key);
    if (!rule) throw new RemediationError(`The inbox rule ${target.key} no longer exists.`, 'not-found');
    return { mailbox: rule.mailbox, identity: rule.identity, name: rule.name, enabled: rule.enabled };
  },
  run: (ctx, target) => setRuleEnabled(ctx, target, false),
  async undo(ctx, target, before) {
    if (before.enabled === false) return done({ note: 'The rule was already disabled before; it stays disabled.' }, true);
    return setRuleEnabled(ctx, target, true);
  },
};
