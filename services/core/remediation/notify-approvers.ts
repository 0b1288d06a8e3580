/**
 * Mail to the MSP's approvers (admins and owners) when an action waits for approval, written to
 * the outbox in the request's transaction: sent when it commits, with retries, or never.
 */
import { and, eq, inArray, ne } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { appUser, tenant } from '../../../db/schema/index.ts';
import type { RenderedPayload } from '../../notify/digest.ts';
import { insertDeliveries } from '../../notify/outbox.ts';
import { escapeHtml } from '../../notify/template.ts';

export type ApprovalNotice = {
  mspId: string;
  tenantId: string;
  eventId: string;
  requestId: string;
  actionTitle: string;
  target: { kind: string; key: string };
  eventTitle: string;
  /** Who asked: a person's id (left out of the recipients: nobody approves their own request by default), or null for a trigger. */
  requestedBy: string | null;
  /** The trigger's name when a trigger asked. */
  triggerName: string | null;
  expiresAt: Date;
};

/** @returns the number of approvers mailed (0 when there is nobody but the requester). */
export async function notifyApprovers(tx: DbOrTx, n: ApprovalNotice): Promise<number> {
  const approvers = await tx
    .select({ email: appUser.email })
    .from(appUser)
    .where(
      and(
        eq(appUser.mspId, n.mspId),
        inArray(appUser.role, ['admin', 'owner']),
        eq(appUser.status, 'active'),
        n.requestedBy ? ne(appUser.id, n.requestedBy) : undefined,
      ),
    );
  if (approvers.length === 0) return 0;
  const [t] = await tx.select({ name: tenant.name }).from(tenant).where(eq(tenant.id, n.tenantId)).limit(1);
  const tenantName = t?.name ?? 'a tenant';
  const who = n.triggerName ? `the trigger "${n.triggerName}"` : 'a technician';
  const target = `${n.target.kind.replace('_', ' ')} ${n.target.key}`;
  const subject = `Approval needed: ${n.actionTitle} for ${n.target.key} (${tenantName})`.replace(/[\r\n]+/g, ' ').slice(0, 250);
  const lines = [
    `${n.actionTitle} on ${target} in ${tenantName} waits for your approval; it was requested by ${who}.`,
    `Event: ${n.eventTitle}`,
    `The request expires at ${n.expiresAt.toISOString()} unless an approver decides first.`,
  ];
  const html = `<!doctype html><html><body>${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</body></html>`;
  const payload: RenderedPayload = {
    rendered: { to: approvers.map((a) => a.email), subject, text: lines.join('\n'), html, linkPath: '/approvals', linkText: 'Open Approvals' },
  };
  return insertDeliveries(tx, [
    {
      mspId: n.mspId,
      eventId: n.eventId,
      kind: 'email',
      idempotencyKey: `approval:${n.requestId}`,
      payload: payload as unknown as Record<string, unknown>,
    },
  ]);
}
