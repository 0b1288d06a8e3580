import { z } from 'zod';
import { withEventUrl } from '../event-lookup.ts';
import { renderTemplate } from '../template.ts';
import { sendHttp, templateSetting, urlSetting } from './http.ts';
import type { Channel, ChannelEnvironment, ChannelMessage, DeliveryOutcome } from './types.ts';

/**
 * Microsoft Teams through a Workflows webhook ("Post to a channel when a webhook request is
 * received"): the payload is a message with one Adaptive Card attachment, a title, the text and
 * a "View event" button (Action.OpenUrl).
 *
 * TextBlocks are markdown; values are neutralised for it (no links, no autolinks, no line-start
 * markup), see `escapeTeams` in ../template.ts. The admin's own template text is kept as written.
 */

export const DEFAULT_TEAMS_TITLE = '{Event.Title}';
export const DEFAULT_TEAMS_TEXT = [
  '**Severity:** {Event.Severity} · **Tenant:** {Event.Tenant}',
  '**User:** {Event.UserName}',
  '**IP address:** {Event.NetworkAddress} {IP.CountryCode}',
  '**Time:** {Event.Time}',
  '{Event.Description}',
].join('\n');

export const teamsSettings = z.object({
  webhookUrl: urlSetting,
  title: templateSetting('the title', 1000).default(DEFAULT_TEAMS_TITLE),
  text: templateSetting('the text', 10_000).default(DEFAULT_TEAMS_TEXT),
});

export type TeamsSettings = z.output<typeof teamsSettings>;

/** Adaptive Card text is capped well under Teams' ~28 KB message limit. */
const TEXT_LIMIT = 8000;

/** The Workflows webhook payload for one message. */
export function buildTeamsMessage(settings: TeamsSettings, message: ChannelMessage): Record<string, unknown> {
  const lookup = withEventUrl(message.lookup, message.eventUrl);
  const prefix = message.test ? '[Test] ' : '';
  const title = prefix + renderTemplate(settings.title, lookup, 'teams').replace(/[\r\n]+/g, ' ');
  // Markdown needs a blank line for a line break: each line the admin wrote stays a line.
  const text = cut(renderTemplate(settings.text, lookup, 'teams'), TEXT_LIMIT).replace(/\r?\n/g, '\n\n');
  const body: Record<string, unknown>[] = [
    { type: 'TextBlock', text: title || 'Tenantwatch event', weight: 'Bolder', size: 'Medium', wrap: true, style: 'heading' },
  ];
  if (text.trim()) body.push({ type: 'TextBlock', text, wrap: true });
  const actions = message.eventUrl && /^https?:\/\//.test(message.eventUrl) ? [{ type: 'Action.OpenUrl', title: 'View event', url: message.eventUrl }] : [];
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          actions,
          msteams: { width: 'Full' },
        },
      },
    ],
  };
}

function cut(text: string, max: number): string {
  const points = Array.from(text);
  return points.length <= max ? text : `${points.slice(0, max - 1).join('')}…`;
}

/** Posts the card. Workflows answers 202 Accepted once the flow has the message. */
export async function sendTeams(settings: TeamsSettings, message: ChannelMessage, env: ChannelEnvironment = {}): Promise<DeliveryOutcome> {
  const payload = buildTeamsMessage(settings, message);
  return await sendHttp(
    settings.webhookUrl,
    { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Tenantwatch/1' }, body: JSON.stringify(payload) },
    env,
  );
}

export const teamsChannel: Channel<typeof teamsSettings, 'teams'> = {
  kind: 'teams',
  settings: teamsSettings,
  send: sendTeams,
};
