import { z } from 'zod';
import { withEventUrl } from '../event-lookup.ts';
import { renderTemplate } from '../template.ts';
import { sendHttp, templateSetting, urlSetting } from './http.ts';
import type { Channel, ChannelEnvironment, ChannelMessage, DeliveryOutcome } from './types.ts';

/**
 * Slack through an incoming webhook (https://hooks.slack.com/services/…): a Block Kit message
 * with a header (the title, plain text), a section (the text, mrkdwn) and a "View event" button.
 *
 * Values in the text are escaped for mrkdwn (`& < >`), so an attacker-written rule name cannot
 * ping `<!channel>` or hide a link as `<https://evil|click>`; the title is plain text, which
 * Slack never parses. What the admin typed in the template itself is kept as written.
 */

export const DEFAULT_SLACK_TITLE = '{Event.Title}';
export const DEFAULT_SLACK_TEXT = [
  '*Severity:* {Event.Severity}    *Tenant:* {Event.Tenant}',
  '*User:* {Event.UserName}',
  '*IP address:* {Event.NetworkAddress} {IP.CountryCode}',
  '*Time:* {Event.Time}',
  '{Event.Description}',
].join('\n');

/** Block Kit limits: header text 150 characters, section text 3,000, button URL 3,000. */
const HEADER_LIMIT = 150;
const SECTION_LIMIT = 3000;
const URL_LIMIT = 3000;

export const slackSettings = z.object({
  webhookUrl: urlSetting,
  title: templateSetting('the title', 1000).default(DEFAULT_SLACK_TITLE),
  text: templateSetting('the text', 10_000).default(DEFAULT_SLACK_TEXT),
});

export type SlackSettings = z.output<typeof slackSettings>;

/** The incoming-webhook payload for one message. */
export function buildSlackMessage(settings: SlackSettings, message: ChannelMessage): Record<string, unknown> {
  const lookup = withEventUrl(message.lookup, message.eventUrl);
  const prefix = message.test ? '[Test] ' : '';
  // plain_text is shown as is; 'header' strips control characters and line breaks.
  const title = cut(prefix + renderTemplate(settings.title, lookup, 'header'), HEADER_LIMIT) || 'Tenantwatch event';
  const text = cut(renderTemplate(settings.text, lookup, 'slack'), SECTION_LIMIT);
  const blocks: Record<string, unknown>[] = [{ type: 'header', text: { type: 'plain_text', text: title, emoji: false } }];
  if (text.trim()) blocks.push({ type: 'section', text: { type: 'mrkdwn', text, verbatim: true } });
  if (message.eventUrl && /^https?:\/\//.test(message.eventUrl) && message.eventUrl.length <= URL_LIMIT) {
    blocks.push({
      type: 'actions',
      elements: [
        { type: 'button', action_id: 'view_event', text: { type: 'plain_text', text: 'View event', emoji: false }, url: message.eventUrl, style: 'primary' },
      ],
    });
  }
  // `text` is the notification and fallback line; Slack parses it as mrkdwn, so it is escaped too.
  return { text: escapeForFallback(title), blocks, unfurl_links: false, unfurl_media: false };
}

function escapeForFallback(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** Cuts on a code point boundary, leaving no half entity (`&am`) behind. */
function cut(text: string, max: number): string {
  const points = Array.from(text);
  if (points.length <= max) return text;
  return `${points
    .slice(0, max - 1)
    .join('')
    .replace(/&[a-z]{0,4}$/, '')}…`;
}

/** Posts the message. Slack answers 200 "ok", or 4xx with a reason such as `no_service`. */
export async function sendSlack(settings: SlackSettings, message: ChannelMessage, env: ChannelEnvironment = {}): Promise<DeliveryOutcome> {
  const payload = buildSlackMessage(settings, message);
  return await sendHttp(
    settings.webhookUrl,
    { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Tenantwatch/1' }, body: JSON.stringify(payload) },
    env,
  );
}

export const slackChannel: Channel<typeof slackSettings, 'slack'> = {
  kind: 'slack',
  settings: slackSettings,
  send: sendSlack,
};
