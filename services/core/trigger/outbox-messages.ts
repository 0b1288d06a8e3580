import { and, eq, inArray, or } from 'drizzle-orm';
import { delivery } from '../../../db/schema/index.ts';
import { NotFoundError } from '../../errors.ts';
import type { SinkMessage, SmtpSink } from '../../notify/index.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';

/** The sink holds every MSP's mail: a message is the MSP's when its delivery key is one of the MSP's deliveries. */
async function ownMessages(ctx: Ctx, messages: readonly SinkMessage[]): Promise<SinkMessage[]> {
  const keyOf = (m: SinkMessage) => m.headers['x-tenantwatch-delivery'] ?? '';
  const keys = [...new Set(messages.map(keyOf).filter((k) => k !== ''))];
  if (keys.length === 0) return [];
  const own = new Set<string>();
  for (let i = 0; i < keys.length; i += 500) {
    const part = keys.slice(i, i + 500);
    const gathers = part.filter((k) => k.startsWith('gather:')).map((k) => k.slice('gather:'.length));
    const rows = await ctx.db
      .select({ key: delivery.idempotencyKey, gather: delivery.gatherKey })
      .from(delivery)
      .where(and(eq(delivery.mspId, ctx.msp), or(inArray(delivery.idempotencyKey, part), gathers.length ? inArray(delivery.gatherKey, gathers) : undefined)));
    for (const r of rows) {
      own.add(r.key);
      if (r.gather) own.add(`gather:${r.gather}`);
    }
  }
  return messages.filter((m) => own.has(keyOf(m)));
}

const summary = (m: SinkMessage) => ({ id: m.id, messageId: m.messageId, from: m.from, to: m.to, subject: m.subject, receivedAt: m.receivedAt.toISOString() });

/** The Outbox page's list: the MSP's messages in the demo's SMTP sink, newest first. */
export async function listOutbox({ ctx, sink }: { ctx: Ctx; sink: SmtpSink | null }) {
  authorize(ctx, 'outbox.read');
  if (!sink) return { enabled: false, items: [], nextCursor: null };
  return { enabled: true, items: (await ownMessages(ctx, sink.messages())).map(summary), nextCursor: null };
}

export async function outboxMessage({ ctx, sink, id }: { ctx: Ctx; sink: SmtpSink | null; id: string }) {
  authorize(ctx, 'outbox.read');
  const m = sink?.message(id);
  const [own] = m ? await ownMessages(ctx, [m]) : [];
  if (!own) throw new NotFoundError('Message not found.');
  return { ...summary(own), text: own.text, html: own.html, headers: own.headers };
}
