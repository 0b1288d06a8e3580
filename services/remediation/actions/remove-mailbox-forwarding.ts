/**
 * Remove mailbox forwarding (Exchange `Set-Mailbox`): ForwardingSmtpAddress and ForwardingAddress
 * cleared, DeliverToMailboxAndForward off. Undo puts the three settings back as they were.
 */
import { done, must, userKeyOf } from './lib.ts';
import { RemediationError, type ActionContext, type ActionTarget, type JsonObject, type RemediationAction } from './types.ts';

interface MailboxBody {
  Identity?: string;
  UserPrincipalName?: string;
  ForwardingSmtpAddress?: string | null;
  ForwardingAddress?: string | null;
  DeliverToMailboxAndForward?: boolean | null;
}

async function forwardingOf(ctx: ActionContext, target: ActionTarget): Promise<JsonObject> {
  const identity = userKeyOf(target);
  const [mailbox] = must(await ctx.exchange.invoke<MailboxBody>('Get-Mailbox', { Identity: identity }), {
    notFound: `The mailbox ${identity} no longer exists.`,
  });
  if (!mailbox) throw new RemediationError(`The mailbox ${identity} no longer exists.`, 'not-found');
  return {
    mailbox: identity,
    ForwardingSmtpAddress: mailbox.ForwardingSmtpAddress ?? null,
    ForwardingAddress: mailbox.ForwardingAddress ?? null,
    DeliverToMailboxAndForward: mailbox.DeliverToMailboxAndForward ?? false,
  };
}

const forwards = (state: JsonObject): boolean => !!state.ForwardingSmtpAddress || !!state.ForwardingAddress;

export const removeMailboxForwarding: RemediationAction = {
  name: 'remove-mailbox-forwarding',
  title: 'Remove mailbox forwarding',
  description: 'Stops the mailbox forwarding mail elsewhere (clears the forwarding address set on the mailbox; inbox rules are separate).',
  entityKinds: ['mailbox', 'user'],
  permission: { resource: 'exchange', permission: 'Exchange.ManageAsApp' },
  restrictsAccess: false,
  snapshot: forwardingOf,
  async run(ctx, target) {
    const before = await forwardingOf(ctx, target);
    if (!forwards(before)) return done({ ...before }, true);
    must(
      await ctx.exchange.invoke('Set-Mailbox', {
        Identity: String(before.mailbox),
        ForwardingSmtpAddress: null,
        ForwardingAddress: null,
        DeliverToMailboxAndForward: false,
      }),
    );
    return done({ cmdlet: 'Set-Mailbox', ...(await forwardingOf(ctx, target)) });
  },
  async undo(ctx, target, before) {
    const now = await forwardingOf(ctx, target);
    if (!forwards(before)) return done({ ...now, note: 'The mailbox did not forward before.' }, true);
    const parameters: Record<string, string | boolean | null> = {
      Identity: String(before.mailbox),
      DeliverToMailboxAndForward: before.DeliverToMailboxAndForward === true,
    };
    if (before.ForwardingSmtpAddress) parameters.ForwardingSmtpAddress = String(before.ForwardingSmtpAddress);
    if (before.ForwardingAddress) parameters.ForwardingAddress = String(before.ForwardingAddress);
    must(await ctx.exchange.invoke('Set-Mailbox', parameters));
    return done({ cmdlet: 'Set-Mailbox', ...(await forwardingOf(ctx, target)) });
  },
};
