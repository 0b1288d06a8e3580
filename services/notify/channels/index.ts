import type { z } from 'zod';
import type { Config } from '../../config.ts';
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

/** The installation's outbound rules (TW_NOTIFY_ALLOW_CIDRS, TW_NOTIFY_TIMEOUT_SECONDS) for a send. */
export function channelEnvironment(config: Pick<Config, 'notifyOutbound'>, signal?: AbortSignal): ChannelEnvironment {
  return {
    allowCidrs: config.notifyOutbound.allowCidrs,
    totalTimeoutMs: config.notifyOutbound.timeoutSeconds * 1000,
    ...(signal && { signal }),
  };
}

/**
 * Checks stored settings and sends one message. Settings that no longer parse (edited by hand,
 * or an older shape) are a final failure with the editor's words, never a retry.
 */
export async function sendToChannel(kind: ChannelKind, rawSettings: unknown, message: ChannelMessage, env?: ChannelEnvironment): Promise<DeliveryOutcome> {
  switch (kind) {
    case 'webhook':
      return await parseAndSend(CHANNELS.webhook, rawSettings, message, env);
    case 'slack':
      return await parseAndSend(CHANNELS.slack, rawSettings, message, env);
    case 'teams':
      return await parseAndSend(CHANNELS.teams, rawSettings, message, env);
  }
}

async function parseAndSend<S extends z.ZodType, K extends ChannelKind>(channel: Channel<S, K>, rawSettings: unknown, message: ChannelMessage, env?: ChannelEnvironment): Promise<DeliveryOutcome> {
  const parsed = channel.settings.safeParse(rawSettings);
  if (!parsed.success) {
    return { ok: false, retryable: false, error: `The ${CHANNEL_WORDS[channel.kind]} settings are not valid: ${parsed.error.issues.map((i) => i.message).join('; ')}` };
  }
  try {
    return await channel.send(parsed.data, message, env);
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
