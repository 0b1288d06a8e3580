import type { z } from 'zod';

/**
 * The contract every output channel (web request, Slack, Teams; email lives with the SMTP
 * transport) fulfils: a zod schema for its settings and one `send` per message. The delivery
 * worker owns retries, backoff and the dead letter; a channel only says whether trying again
 * can help.
 */

/**
 * What one attempt did. `retryable` is true for network errors, timeouts, 408, 429 and 5xx;
 * false for other 4xx, a destination refused by the SSRF guard and bad settings.
 * `retryAfterSeconds` carries the receiver's `Retry-After` when it sent one.
 * `detail` / `error` are short plain words for the delivery history (no secrets);
 * `responseBody` is what the receiver answered, at most 64 KB, for the delivery record.
 */
export type DeliveryOutcome =
  | { ok: true; status?: number; detail?: string; responseBody?: string }
  | { ok: false; retryable: boolean; status?: number; error: string; retryAfterSeconds?: number; responseBody?: string };

/**
 * One message to send. `lookup` answers a `{Event.Field}` placeholder's value (see
 * `eventLookup`); `eventUrl` is the "View event" link (null when there is no event, e.g. a
 * digest); `idempotencyKey` is stable per event and action, so a retry after a crash is
 * recognisable by the receiver; `test` marks "Send test" from the editor.
 */
export type ChannelMessage = {
  lookup: (field: string) => unknown;
  eventUrl: string | null;
  idempotencyKey: string;
  test?: boolean;
};

/** What a send needs from the installation: where it may connect, and for how long. */
export type ChannelEnvironment = {
  /**
   * CIDR ranges an admin allows although they are private, loopback, link-local or CGNAT
   * (e.g. `['10.20.0.0/16']` for an internal SIEM). Empty by default.
   */
  allowCidrs?: readonly string[];
  /** Milliseconds to open the connection (default 5 s). */
  connectTimeoutMs?: number;
  /** Milliseconds for the whole exchange, redirects included (default 15 s). */
  totalTimeoutMs?: number;
  /** Name resolution; defaults to the system resolver (`dns.lookup`). Tests may inject one. */
  resolve?: (hostname: string) => Promise<readonly string[]>;
  /** Aborts the send (the worker shutting down). */
  signal?: AbortSignal;
};

/** One output channel: its name, settings schema and sender. */
export type Channel<S extends z.ZodType = z.ZodType, K extends ChannelKind = ChannelKind> = {
  kind: K;
  /** Parses and checks settings; its error messages are plain words shown in the editor. */
  settings: S;
  /**
   * Sends one message with parsed settings. `secret` is the action's secret part, stored apart
   * from its settings (the web request's signing secret); channels without one ignore it.
   * Never throws: failures are outcomes.
   */
  send: (settings: z.output<S>, message: ChannelMessage, env?: ChannelEnvironment, secret?: string | null) => Promise<DeliveryOutcome>;
};

export const CHANNEL_KINDS = ['webhook', 'slack', 'teams'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
