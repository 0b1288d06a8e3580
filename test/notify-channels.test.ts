import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FilterableEvent } from '../services/language/index.ts';
import { channelEnvironment, httpSenders, verifyWebhookSignature, type ChannelMessage } from '../services/notify/channels/index.ts';
import { eventLookup } from '../services/notify/event-lookup.ts';
import { renderTemplate } from '../services/notify/template.ts';
import { startHttpReceiver, type HttpReceiver } from './helpers/http-receiver.ts';

/**
 * One attacker-shaped event, as the database hands it over, through every output: the web
 * request (JSON body and a header), Slack, Teams, and the subject and HTML body an alert email
 * is built from. The receivers are real HTTP servers on loopback (v4 and v6), opened the way
 * TW_NOTIFY_ALLOW_CIDRS opens a range, through the senders the delivery worker plugs in.
 */

const ATTACK = {
  ruleName: '"},"admin":true,"x":"<img src=x onerror=alert(1)> {Event.Id} <!channel> [Reset](https://evil.example)',
  displayName: 'Megan\u202Egnp.exe <@U0> **Boss**',
  userAgent: 'Mozilla/5.0\r\nBcc: attacker@evil.example\r\nX-Injected: 1',
};

const event: FilterableEvent = {
  id: '7a0c1f52-1b9e-4c1c-9d0e-5f2a3b4c5d6e',
  title: `Inbox rule created: ${ATTACK.ruleName}`,
  description: 'A rule forwards mail outside the organisation',
  severity: 'high',
  detectionId: 'M365.Exchange.InboxRuleForwarding',
  userName: 'megan@contoso.com',
  networkAddress: '203.0.113.7',
  count: 1,
  lastSeenAt: new Date('2026-12-07T10:00:00Z'),
  tenantName: 'Contoso',
  fields: { target: ATTACK.ruleName, userAgent: ATTACK.userAgent },
  entities: { user: [{ key: 'u1', snapshot: { displayName: ATTACK.displayName } }] },
};

// What TW_NOTIFY_ALLOW_CIDRS=127.0.0.1/32,::1/128 gives the delivery worker.
const senders = httpSenders(channelEnvironment({ allowCidrs: ['127.0.0.1/32', '::1/128'], timeoutSeconds: 20 }));
const secret = 'twsec_0123456789abcdef0123456789abcdef';
const message: ChannelMessage = { lookup: eventLookup(event), eventUrl: `https://tw.example.com/events/${event.id}`, idempotencyKey: `${event.id}:web` };

let v4: HttpReceiver;
let v6: HttpReceiver;
beforeAll(async () => {
  v4 = await startHttpReceiver();
  v6 = await startHttpReceiver({ host: '::1' });
});
afterAll(async () => {
  await v4.close();
  await v6.close();
});

async function lastRequest(receiver: HttpReceiver, send: () => Promise<unknown>) {
  const before = receiver.requests.length;
  const outcome = await send();
  expect(outcome).toMatchObject({ ok: true });
  return (await receiver.waitForRequests(before + 1))[before]!;
}

describe('hostile event values through every output', () => {
  test('web request: the JSON body keeps its shape, the header keeps one line, the signature verifies', async () => {
    const req = await lastRequest(v4, () =>
      senders.webhook(
        {
          url: `${v4.url}/siem`,
          headers: [{ name: 'X-Agent', value: '{Event.UserAgent}' }],
          body: '{"rule": "{Event.Target}", "user": "{User.DisplayName}", "id": {Event.Id}}',
        },
        message,
        secret,
      ),
    );
    expect(verifyWebhookSignature({ secret, signatureHeader: req.headers['x-tenantwatch-signature'] as string, body: req.raw }).ok).toBe(true);
    expect(JSON.parse(req.body)).toEqual({ rule: ATTACK.ruleName, user: 'Megan[U+202E]gnp.exe <@U0> **Boss**', id: event.id });
    expect(req.body).not.toContain('<img');
    expect(req.headers['x-agent']).toBe('Mozilla/5.0 Bcc: attacker@evil.example X-Injected: 1');
    expect(req.headers['x-injected']).toBeUndefined();
    expect(req.headers['idempotency-key']).toBe(`${event.id}:web`);
  });

  test('Slack over IPv6 loopback: nothing in the message mentions, links or expands', async () => {
    const req = await lastRequest(v6, () =>
      senders.slack({ webhookUrl: `${v6.url}/services/T/B/X`, text: 'Rule {Event.Target} by {User.DisplayName}' }, message, null),
    );
    const payload = JSON.parse(req.body) as { text: string; blocks: { type: string; text?: { text: string } }[] };
    const section = payload.blocks.find((b) => b.type === 'section')!.text!.text;
    expect(section).not.toMatch(/<[!@h]/);
    expect(section).toContain('&lt;!channel&gt;');
    expect(section).toContain('{Event.Id}');
    expect(section).not.toContain(event.id!);
    expect(section).not.toContain('\u202E');
    expect(payload.text).not.toContain('<!channel>');
  });

  test('Teams: no link, autolink or HTML from the values reaches the card', async () => {
    const req = await lastRequest(v4, () =>
      senders.teams({ webhookUrl: `${v4.url}/workflows/x`, text: 'Rule {Event.Target} by {User.DisplayName}' }, message, null),
    );
    const card = (JSON.parse(req.body) as { attachments: { content: { body: { text: string }[]; actions: { url: string }[] } }[] }).attachments[0]!.content;
    const text = card.body.map((b) => b.text).join('\n');
    expect(text).not.toContain('](');
    expect(text).not.toMatch(/<img/);
    expect(text).not.toContain('\u202E');
    expect(card.actions[0]!.url).toBe(message.eventUrl);
  });

  test('an alert email subject and HTML body built from the same values', () => {
    const subject = renderTemplate('[{Event.Severity}] {Event.Title} ({Event.UserAgent})', message.lookup, 'header');
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject).toContain('Bcc: attacker@evil.example');
    const html = renderTemplate('<p>{Event.Title}</p><p>{User.DisplayName}</p>', message.lookup, 'html');
    expect(html).not.toContain('<img');
    expect(html.match(/</g)).toHaveLength(4);
    expect(html).toContain('{Event.Id}');
  });

  test('a receiver that redirects to a private address is refused, finally', async () => {
    const trap = await startHttpReceiver({ respond: (_req, res) => res.writeHead(307, { location: 'http://192.168.1.1/admin' }).end() });
    try {
      const outcome = await senders.webhook({ url: `${trap.url}/hook` }, message, secret);
      expect(outcome).toMatchObject({ ok: false, retryable: false });
      expect(!outcome.ok && outcome.error).toContain('192.168.1.1 is a private network address');
    } finally {
      await trap.close();
    }
  });
});
