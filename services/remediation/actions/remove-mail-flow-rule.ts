/** Remove mail flow rule (Exchange `Remove-TransportRule`). Not undoable; the snapshot keeps what it was. */
import { done, must } from './lib.ts';
import { findTransportRule } from './mail-flow-rule.ts';
import type { RemediationAction } from './types.ts';

export const removeMailFlowRule: RemediationAction = {
  name: 'remove-mail-flow-rule',
  title: 'Remove mail flow rule',
  description: "Deletes the organisation's mail flow (transport) rule for good.",
  entityKinds: ['mail_flow_rule'],
  permission: { resource: 'exchange', permission: 'Exchange.ManageAsApp' },
  restrictsAccess: false,
  async snapshot(ctx, target) {
    return (await findTransportRule(ctx, target.key)) ?? { exists: false };
  },
  async run(ctx, target) {
    const rule = await findTransportRule(ctx, target.key);
    if (!rule) return done({ rule: target.key, removed: false, note: 'The rule no longer exists.' }, true);
    const answer = await ctx.exchange.invoke('Remove-TransportRule', { Identity: String(rule.identity), Confirm: false });
    if (!answer.ok && answer.failure.status === 404) return done({ rule: target.key, removed: false, note: 'The rule no longer exists.' }, true);
    must(answer);
    return done({ cmdlet: 'Remove-TransportRule', ...rule, removed: true });
  },
};
