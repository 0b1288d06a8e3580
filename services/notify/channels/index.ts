import type { z } from 'zod';
import { slackChannel } from './slack.ts';
import { teamsChannel } from './teams.ts';
import type { Channel, ChannelEnvironment, ChannelKind, ChannelMessage, DeliveryOutcome } from './types.ts';
import { webhookChannel } from './webhook.ts';

/** Every output channel by kind; a new kind fails compilation until it is listed here. */
export const CHANNELS = {
  webhook: webhookChannel,
  slack: slackChannel,
  teams: teamsChannel,
} as const satisfies { [K in ChannelKind]: { kind: K } };

const CHANNEL_WORDS: Record<ChannelKind, string> = { webhook: 'web request', slack: 'Slack', teams: 'Teams' };

/**
 * The installation's outbound rules for a send: the ranges TW_NOTIFY_ALLOW_CIDRS opens and,
 * optionally, a total timeout.
 * @example channelEnvironment(config.notify)
 */
export function channelEnvironment(settings: { allowCidrs: readonly string[]; timeoutSeconds?: number }, signal?: AbortSignal): ChannelEnvironment {
  return {
    allowCidrs: settings.allowCidrs,
    ...(settings.timeoutSeconds !== undefined && { totalTimeoutMs: settings.timeoutSeconds * 1000 }),
    ...(signal && { signal }),
  };
}

/** One sender per kind, in the shape the delivery worker calls: settings as stored, the message, the action's secret. */
export type HttpSender = (settings: unknown, message: ChannelMessage, secret: string | null) => Promise<DeliveryOutcome>;

/**
 * The web request, Slack and Teams senders for a process, bound to its outbound rules.
 * @example startNotify({ …, http: httpSenders(channelEnvironment(config.notify)) })
 */
export function httpSenders(env: ChannelEnvironment): Record<ChannelKind, HttpSender> {
  return {
    webhook: (settings, message, secret) => sendToChannel('webhook', settings, message, env, secret),
    slack: (settings, message) => sendToChannel('slack', settings, message, env),
    teams: (settings, message) => sendToChannel('teams', settings, message, env),
  };
}

/**
 * Checks stored settings and sends one message. Settings that no longer parse (edited by hand,
 * or an older shape) are a final failure with the editor's words, never a retry.
 */
export async function sendToChannel(
  kind: ChannelKind,
  rawSettings: unknown,
  message: ChannelMessage,
  env?: ChannelEnvironment,
  secret?: string | null,
): Promise<DeliveryOutcome> {
  switch (kind) {
    case 'webhook':
      return await parseAndSend(CHANNELS.webhook, rawSettings, message, env, secret);
    case 'slack':
      return await parseAndSend(CHANNELS.slack, rawSettings, message, env);
    case 'teams':
      return await parseAndSend(CHANNELS.teams, rawSettings, message, env);
  }
}

async function parseAndSend<S extends z.ZodType, K extends ChannelKind>(
  channel: Channel<S, K>,
  rawSettings: unknown,
  message: ChannelMessage,
  env?: ChannelEnvironment,
  secret?: string | null,
): Promise<DeliveryOutcome> {
  const parsed = channel.settings.safeParse(rawSettings);
  if (!parsed.success) {
    return {
      ok: false,
      retryable: false,
      error: `The ${CHANNEL_WORDS[channel.kind]} settings are not valid: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
    };
  }
  try {
    return await channel.send(parsed.data, message, env, secret);
  } catch (err) {
    // Channels report failures as outcomes; this is a safety net, worth another try.
    return { ok: false, retryable: true, error: `Unexpected failure: ${(err as Error).message}` };
  }
}

export { CHANNEL_KINDS, type Channel, type ChannelEnvironment, type ChannelKind, type ChannelMessage, type DeliveryOutcome } from './types.ts';
export { slackSettings, sendSlack, buildSlackMessage, type SlackSettings } from './slack.ts';
export { teamsSettings, sendTeams, buildTeamsMessage, type TeamsSettings } from './teams.ts';
export {
  webhookSettings,
  webhookSecret,
  sendWebhook,
  signWebhook,
  verifyWebhookSignature,
  generateWebhookSecret,
  isJsonContentType,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  IDEMPOTENCY_HEADER,
  type WebhookSettings,
} from './webhook.ts';
