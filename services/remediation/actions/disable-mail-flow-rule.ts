/** Disable mail flow rule (Exchange `Disable-TransportRule`); undo enables it again. */
import { done, must } from './lib.ts';
import { findTransportRule } from './mail-flow-rule.ts';
import { RemediationError, type ActionContext, type ActionTarget, type RemediationAction } from './types.ts';

async function setState(ctx: ActionContext, target: ActionTarget, state: 'Enabled' | 'Disabled') {
  const rule = await findTransportRule(ctx, target.key);
  if (!rule) throw new RemediationError(`The mail flow rule ${target.key} no longer exists.`, 'not-found');
  if (rule.state === state) return done({ ...rule }, true);
  const cmdlet = state === 'Enabled' ? 'Enable-TransportRule' : 'Disable-TransportRule';
  must(await ctx.exchange.invoke(cmdlet, { Identity: String(rule.identity), Confirm: false }), {
    notFound: `The mail flow rule ${target.key} no longer exists.`,
  });
  return done({ cmdlet, ...rule, state });
}

export const disableMailFlowRule: RemediationAction = {
  name: 'disable-mail-flow-rule',
  title: 'Disable mail flow rule',
  description: "Turns the organisation's mail flow (transport) rule off; it is kept and can be turned back on.",
  entityKinds: ['mail_flow_rule'],
  permission: { resource: 'exchange', permission: 'Exchange.ManageAsApp' },
  restrictsAccess: false,
  async snapshot(ctx, target) {
    const rule = await findTransportRule(ctx, target.key);
    if (!rule) throw new RemediationError(`The mail flow rule ${target.key} no longer exists.`, 'not-found');
    return rule;
  },
  run: (ctx, target) => setState(ctx, target, 'Disabled'),
  async undo(ctx, target, before) {
    if (before.state === 'Disabled') return done({ note: 'The rule was already disabled before; it stays disabled.' }, true);
    return setState(ctx, target, 'Enabled');
  },
};
