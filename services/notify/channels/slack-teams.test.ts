import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startHttpReceiver, type HttpReceiver } from '../../../test/helpers/http-receiver.ts';
import { buildSlackMessage, sendSlack, slackSettings } from './slack.ts';
import { buildTeamsMessage, sendTeams, teamsSettings } from './teams.ts';
import type { ChannelMessage } from './types.ts';

const LOOPBACK = { allowCidrs: ['127.0.0.1/32'] };
const EVENT_URL = 'https://tw.example.com/events/0b6f4c0e-7d43-4d8e-9e7a-3c1b2a9f8e11';

// Attacker-written values: a rule name, a display name, a user agent.
const hostile: Record<string, unknown> = {
  'Event.Title': 'Inbox rule <!channel> created',
  'Event.Target': '<https://evil.example/login|Click to keep your mailbox> [Reset password](https://evil.example) {Event.Id}',
  'Event.UserName': 'megan@contoso.com',
  'User.DisplayName': '<@U024BE7LH> & **Admin**\n# Fake heading',
  'Event.UserAgent': '<script>alert(1)</script>',
  'Event.Id': 'SHOULD-NOT-APPEAR',
};
function message(extra: Partial<ChannelMessage> = {}): ChannelMessage {
  return { lookup: (f) => hostile[f], eventUrl: EVENT_URL, idempotencyKey: 'k1', ...extra };
}
const chatText = 'Rule: {Event.Target}\nBy: {User.DisplayName}\nUA: {Event.UserAgent}';

let receiver: HttpReceiver;
beforeAll(async () => {
  receiver = await startHttpReceiver();
});
beforeEach(() => receiver.respond((_req, res) => res.writeHead(200).end('ok')));
afterAll(async () => {
  await receiver.close();
});

type SlackBlock = { type: string; text?: { type: string; text: string }; elements?: { type: string; url: string; text: { text: string } }[] };

describe('Slack', () => {
  test('posts Block Kit blocks with a View event button to the incoming webhook', async () => {
    const settings = slackSettings.parse({ webhookUrl: `${receiver.url}/services/T000/B000/XXX` });
    const before = receiver.requests.length;
    expect(await sendSlack(settings, message(), LOOPBACK)).toMatchObject({ ok: true, status: 200, detail: 'HTTP 200: ok' });
    const [req] = (await receiver.waitForRequests(before + 1)).slice(before);
    expect(req!.path).toBe('/services/T000/B000/XXX');
    const payload = JSON.parse(req!.body) as { text: string; blocks: SlackBlock[]; unfurl_links: boolean };
    expect(payload.blocks.map((b) => b.type)).toEqual(['header', 'section', 'actions']);
    expect(payload.blocks[2]!.elements![0]).toMatchObject({ type: 'button', url: EVENT_URL, text: { text: 'View event' } });
    expect(payload.unfurl_links).toBe(false);
  });

  test('attacker-written values cannot mention, link or add markup', () => {
    const settings = slackSettings.parse({ webhookUrl: 'https://hooks.slack.com/services/T/B/X', text: chatText });
    const payload = buildSlackMessage(settings, message()) as { text: string; blocks: SlackBlock[] };
    const section = payload.blocks[1]!.text!.text;
    expect(section).toBe(
      'Rule: &lt;https://evil.example/login|Click to keep your mailbox&gt; [Reset password](https://evil.example) {Event.Id}\n' +
        'By: &lt;@U024BE7LH&gt; &amp; **Admin** # Fake heading\n' +
        'UA: &lt;script&gt;alert(1)&lt;/script&gt;',
    );
    expect(section).not.toContain('SHOULD-NOT-APPEAR');
    // The header is plain text (never parsed); the notification line is mrkdwn, so escaped.
    expect(payload.blocks[0]!.text).toMatchObject({ type: 'plain_text', text: 'Inbox rule <!channel> created' });
    expect(payload.text).toBe('Inbox rule &lt;!channel&gt; created');
  });

  test('no button without an event link; a test message says so', () => {
    const settings = slackSettings.parse({ webhookUrl: 'https://hooks.slack.com/services/T/B/X' });
    const payload = buildSlackMessage(settings, message({ eventUrl: null, test: true })) as { blocks: SlackBlock[] };
    expect(payload.blocks.map((b) => b.type)).not.toContain('actions');
    expect(payload.blocks[0]!.text!.text.startsWith('[Test] ')).toBe(true);
  });

  test('Slack refusals are final, rate limits are retried', async () => {
    const settings = slackSettings.parse({ webhookUrl: `${receiver.url}/services/T/B/X` });
    receiver.respond((_req, res) => res.writeHead(404).end('no_service'));
    expect(await sendSlack(settings, message(), LOOPBACK)).toMatchObject({ ok: false, retryable: false, status: 404, error: 'HTTP 404: no_service' });
    receiver.respond((_req, res) => res.writeHead(429, { 'retry-after': '30' }).end('rate_limited'));
    expect(await sendSlack(settings, message(), LOOPBACK)).toMatchObject({ ok: false, retryable: true, retryAfterSeconds: 30 });
  });

  test('settings errors are plain words', () => {
    const r = slackSettings.safeParse({ webhookUrl: 'slack.com/hook', text: '{Event.Nope}' });
    expect(r.success ? [] : r.error.issues.map((i) => i.message)).toEqual([
      'The URL is not a valid address (e.g. https://hooks.example.com/tenantwatch)',
      "Unknown field 'Event.Nope' in '{Event.Nope}' in the text (character 1)",
    ]);
  });
});

type Card = { type: string; version: string; body: { type: string; text: string }[]; actions: { type: string; title: string; url: string }[] };
type TeamsPayload = { type: string; attachments: { contentType: string; content: Card }[] };

describe('Teams', () => {
  test('posts an Adaptive Card message with an Action.OpenUrl View event to the Workflows webhook', async () => {
    receiver.respond((_req, res) => res.writeHead(202).end());
    const settings = teamsSettings.parse({ webhookUrl: `${receiver.url}/workflows/abc/triggers/manual/paths/invoke?sig=x` });
    const before = receiver.requests.length;
    expect(await sendTeams(settings, message(), LOOPBACK)).toMatchObject({ ok: true, status: 202 });
    const [req] = (await receiver.waitForRequests(before + 1)).slice(before);
    const payload = JSON.parse(req!.body) as TeamsPayload;
    expect(payload.type).toBe('message');
    expect(payload.attachments).toHaveLength(1);
    expect(payload.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = payload.attachments[0]!.content;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'View event', url: EVENT_URL }]);
  });

  test('attacker-written values cannot add links, autolinks or block markup', () => {
    const settings = teamsSettings.parse({ webhookUrl: 'https://prod.westeurope.logic.azure.com/workflows/x', text: chatText });
    const card = (buildTeamsMessage(settings, message()) as TeamsPayload).attachments[0]!.content;
    const text = card.body[1]!.text;
    expect(text).not.toContain('](');
    expect(text).not.toMatch(/<https?:/);
    expect(text).not.toContain('<script');
    expect(text).not.toMatch(/^#/m);
    expect(text).not.toContain('SHOULD-NOT-APPEAR');
    // The same words are there for a reader (zero-width spaces aside); the admin's lines stay lines.
    expect(text.replace(/\u200B/g, '')).toBe(
      'Rule: <https://evil.example/login|Click to keep your mailbox> [Reset password](https://evil.example) {Event.Id}\n\n' +
        'By: <@U024BE7LH> & **Admin** # Fake heading\n\n' +
        'UA: <script>alert(1)</script>',
    );
  });

  test('a failing flow is retried on 5xx, and a bad URL is final', async () => {
    const settings = teamsSettings.parse({ webhookUrl: `${receiver.url}/workflows/x` });
    receiver.respond((_req, res) => res.writeHead(502).end('Bad gateway'));
    expect(await sendTeams(settings, message(), LOOPBACK)).toMatchObject({ ok: false, retryable: true, status: 502 });
    const r = teamsSettings.safeParse({ webhookUrl: 'file:///etc/passwd' });
    expect(r.success ? [] : r.error.issues.map((i) => i.message)).toEqual(['The URL must start with https:// or http://']);
  });

  test('without the allow list the receiver on loopback is refused', async () => {
    const settings = teamsSettings.parse({ webhookUrl: `${receiver.url}/workflows/x` });
    expect(await sendTeams(settings, message())).toMatchObject({ ok: false, retryable: false });
  });
});
