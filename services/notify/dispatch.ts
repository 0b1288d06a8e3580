import type { delivery } from '../../db/schema/index.ts';
import { sendToChannel, type ChannelEnvironment, type ChannelMessage, type DeliveryOutcome } from './channels/index.ts';
import { emailSettings, type Mailer } from './channels/email.ts';
import { valuesLookup } from './event-values.ts';
import type { RenderedPayload } from './digest.ts';
import { escapeHtml } from './template.ts';
import { withEventUrl } from './event-lookup.ts';
import type { DeliveryPayload } from './outbox.ts';

/** What sends each kind of action in this process. */
export type Channels = {
  /** Null when no SMTP server is configured (and no demo sink runs). */
  email: Mailer | null;
  /** Where web requests, Slack and Teams may connect and for how long; null: not sent by this process. */
  http: ChannelEnvironment | null;
  /** Runs a trigger's remediation action (the composition root supplies it); null: not run by this process. */
  remediate?: ((row: RemediationRow) => Promise<DeliveryOutcome>) | null;
  /**
   * Files "Create a ticket" actions in the MSP's PSA (the PSA stage, a later one, supplies it);
   * null: tickets are not filed by this process and those rows wait.
   */
  ticket?: TicketFiler | null;
};

type Row = Pick<typeof delivery.$inferSelect, 'kind' | 'payload' | 'idempotencyKey' | 'isTest' | 'mspId' | 'eventId'> &
  Partial<Pick<typeof delivery.$inferSelect, 'triggerId'>>;
/** What a remediation action needs of its delivery row. */
export type RemediationRow = Pick<typeof delivery.$inferSelect, 'mspId' | 'eventId' | 'triggerId' | 'payload' | 'idempotencyKey' | 'isTest'>;

/** Files one ticket delivery; a failure is an outcome (retryable while the PSA is down), never a throw. */
export type TicketFiler = (row: Pick<typeof delivery.$inferSelect, 'mspId' | 'eventId' | 'isTest' | 'idempotencyKey'>) => Promise<DeliveryOutcome>;

/** The "View event" link of a delivery: the event page on the public URL, if the event has one. */
export function eventUrlOf(payload: Pick<DeliveryPayload, 'eventPath'>, publicUrl: string): string | null {
  return payload.eventPath ? `${publicUrl}${payload.eventPath}` : null;
}

/**
 * Sends one delivery (or a gathered group: several rows, one message) through its channel.
 * A group's placeholders read every event's value, distinct ones joined; its link opens the
 * Report when it stands for more than one event.
 */
export async function dispatch(
  channels: Channels,
  rows: Row | readonly Row[],
  env: { publicUrl: string; secret: string | null; idempotencyKey?: string },
): Promise<DeliveryOutcome> {
  const group = Array.isArray(rows) ? (rows as readonly Row[]) : [rows as Row];
  const first = group[0]!;
  const rendered = (first.payload as Partial<RenderedPayload>).rendered;
  if (rendered) {
    if (!channels.email) return { ok: false, retryable: true, error: 'no SMTP server is configured (TW_SMTP_HOST)' };
    const link = `${env.publicUrl}${rendered.linkPath}`;
    const linkText = rendered.linkText ?? 'Open the Report';
    return channels.email.sendRendered({
      to: rendered.to,
      idempotencyKey: first.idempotencyKey,
      subject: rendered.subject,
      text: `${rendered.text}\n\n${linkText}: ${link}\n`,
      html: rendered.html.replace('</body>', `<p><a href="${escapeHtml(link)}">${escapeHtml(linkText)}</a></p></body>`),
    });
  }
  if (first.kind === 'ticket') {
    if (!channels.ticket) return { ok: false, retryable: true, error: 'tickets are not filed by this process' };
    // One ticket decision per event: the PSA side gathers similar alerts itself.
    const outcomes = [];
    for (const r of group) outcomes.push(await channels.ticket(r));
    return outcomes.find((o) => !o.ok) ?? outcomes[0]!;
  }
  const payloads = group.map((r) => r.payload as unknown as DeliveryPayload);
  const values = group.length === 1 ? payloads[0]!.values : mergeValues(payloads.map((p) => p.values));
  const eventUrl = group.length === 1 ? eventUrlOf(payloads[0]!, env.publicUrl) : `${env.publicUrl}/`;
  const message: ChannelMessage = {
    lookup: withEventUrl(valuesLookup(values), eventUrl),
    eventUrl,
    idempotencyKey: env.idempotencyKey ?? first.idempotencyKey,
    test: first.isTest,
  };
  const settings = payloads[0]!.settings;
  if (first.kind === 'email') {
    if (!channels.email) return { ok: false, retryable: true, error: 'no SMTP server is configured (TW_SMTP_HOST)' };
    const parsed = emailSettings.safeParse(settings);
    if (!parsed.success)
      return { ok: false, retryable: false, error: `the email action's settings are not valid: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
    return channels.email.send(parsed.data, message);
  }
  if (first.kind === 'remediation') {
    if (!channels.remediate || first.mspId === undefined) return { ok: false, retryable: true, error: 'remediation actions are not run by this process' };
    return channels.remediate({ ...first, mspId: first.mspId, eventId: first.eventId ?? null, triggerId: first.triggerId ?? null });
  }
  if (!channels.http) return { ok: false, retryable: true, error: `${first.kind} messages are not sent by this process` };
  // A web request's signing secret is kept sealed on the action, never in the outbox row.
  return sendToChannel(first.kind, settings, message, channels.http, env.secret);
}

/** Values of several events: each field's distinct values, in order, plus how many events. */
export function mergeValues(all: readonly Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = new Set(all.flatMap((v) => Object.keys(v)));
  for (const key of keys) {
    const seen: string[] = [];
    for (const v of all) {
      const value = v[key];
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item === null || item === undefined) continue;
        const s = String(item);
        if (!seen.includes(s)) seen.push(s);
      }
    }
    out[key] = seen.length === 1 ? seen[0] : seen;
  }
  out['Event.Count'] = all.length;
  return out;
}
