import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startHttpReceiver, type HttpReceiver } from '../../../test/helpers/http-receiver.ts';
import type { ChannelMessage } from './types.ts';
import {
  generateWebhookSecret,
  sendWebhook as send,
  signWebhook,
  verifyWebhookSignature,
  webhookSecret,
  webhookSettings,
  type WebhookSettings,
} from './webhook.ts';
import { sendToChannel } from './index.ts';

const LOOPBACK = { allowCidrs: ['127.0.0.1/32', '::1/128'] };
const secret = generateWebhookSecret();

let receiver: HttpReceiver;
beforeAll(async () => {
  receiver = await startHttpReceiver();
});
beforeEach(() => receiver.respond((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}')));
afterAll(async () => {
  await receiver.close();
});

const event: Record<string, unknown> = {
  'Event.Id': '0b6f4c0e-7d43-4d8e-9e7a-3c1b2a9f8e11',
  'Event.Title': 'Inbox rule "},"admin":true,"x":"<script>alert(1)</script>',
  'Event.Target': '{Event.Id}',
  'Event.UserAgent': 'curl/8\r\nX-Injected: yes',
  'Event.Count': 3,
  'Event.Time': new Date('2026-11-01T08:30:00Z'),
  'Event.Mitre': ['TA0009:T1114.003'],
};
function message(extra: Partial<ChannelMessage> = {}): ChannelMessage {
  return {
    lookup: (f) => event[f],
    eventUrl: 'https://tw.example.com/events/0b6f4c0e-7d43-4d8e-9e7a-3c1b2a9f8e11',
    idempotencyKey: 'evt-0b6f:action-1',
    ...extra,
  };
}
function settings(extra: Record<string, unknown> = {}) {
  return webhookSettings.parse({ url: `${receiver.url}/hook`, ...extra });
}
/** Sends with the action's signing secret, as the delivery worker does. */
const sendWebhook = (s: WebhookSettings, m: ChannelMessage, env?: typeof LOOPBACK) => send(s, m, env, secret);

describe('web request channel', () => {
  test('sends a signed request the receiver can verify, with the idempotency key', async () => {
    const before = receiver.requests.length;
    const outcome = await sendWebhook(settings(), message(), LOOPBACK);
    expect(outcome).toMatchObject({ ok: true, status: 200, responseBody: '{"received":true}' });
    const [req] = (await receiver.waitForRequests(before + 1)).slice(before);
    expect(req!.method).toBe('POST');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['idempotency-key']).toBe('evt-0b6f:action-1');
    expect(req!.headers['x-tenantwatch-timestamp']).toMatch(/^\d+$/);
    const verified = verifyWebhookSignature({ secret, signatureHeader: req!.headers['x-tenantwatch-signature'] as string, body: req!.raw });
    expect(verified).toEqual({ ok: true, timestamp: Number(req!.headers['x-tenantwatch-timestamp']) });
    // A different secret, or a body changed by one byte, does not verify.
    expect(
      verifyWebhookSignature({ secret: generateWebhookSecret(), signatureHeader: req!.headers['x-tenantwatch-signature'] as string, body: req!.raw }).ok,
    ).toBe(false);
    expect(
      verifyWebhookSignature({ secret, signatureHeader: req!.headers['x-tenantwatch-signature'] as string, body: Buffer.concat([req!.raw, Buffer.from(' ')]) })
        .ok,
    ).toBe(false);

    const body = JSON.parse(req!.body) as { event: Record<string, unknown> };
    expect(body.event).toMatchObject({
      id: event['Event.Id'],
      url: message().eventUrl,
      title: event['Event.Title'],
      count: 3,
      time: '2026-11-01T08:30:00.000Z',
      userName: '',
    });
    expect(Object.keys(body)).toEqual(['event']);
    expect(body.event['admin']).toBeUndefined();
  });

  test('a stale or malformed signature does not verify', () => {
    const sig = signWebhook(secret, 1_700_000_000, 'body');
    expect(verifyWebhookSignature({ secret, signatureHeader: sig, body: 'body', now: 1_700_000_000_000 })).toEqual({ ok: true, timestamp: 1_700_000_000 });
    expect(verifyWebhookSignature({ secret, signatureHeader: sig, body: 'body', now: 1_700_000_000_000 + 301_000 })).toEqual({
      ok: false,
      reason: 'timestamp outside the tolerance',
    });
    expect(verifyWebhookSignature({ secret, signatureHeader: 'v1=abc', body: 'body' }).ok).toBe(false);
    expect(verifyWebhookSignature({ secret, signatureHeader: undefined, body: 'body' }).ok).toBe(false);
  });

  test('custom headers: values rendered once, CR/LF cannot add a header, non-ASCII kept as UTF-8', async () => {
    const before = receiver.requests.length;
    const outcome = await sendWebhook(
      settings({
        headers: [
          { name: 'X-User-Agent', value: 'ua={Event.UserAgent}' },
          { name: 'X-Target', value: '{Event.Target}' },
          { name: 'X-Name', value: 'Zoë ☃' },
        ],
      }),
      message(),
      LOOPBACK,
    );
    expect(outcome.ok).toBe(true);
    const [req] = (await receiver.waitForRequests(before + 1)).slice(before);
    expect(req!.headers['x-user-agent']).toBe('ua=curl/8 X-Injected: yes');
    expect(req!.headers['x-injected']).toBeUndefined();
    expect(req!.headers['x-target']).toBe('{Event.Id}');
    expect(Buffer.from(req!.headers['x-name'] as string, 'latin1').toString('utf8')).toBe('Zoë ☃');
  });

  test('a text body is not JSON-escaped; GET sends no body and signs the empty body', async () => {
    const before = receiver.requests.length;
    await sendWebhook(settings({ contentType: 'text/plain; charset=utf-8', body: 'Alert: {Event.Title}' }), message(), LOOPBACK);
    await sendWebhook(settings({ method: 'GET' }), message({ test: true }), LOOPBACK);
    const [text, get] = (await receiver.waitForRequests(before + 2)).slice(before);
    expect(text!.body).toBe(`Alert: ${String(event['Event.Title'])}`);
    expect(get!.method).toBe('GET');
    expect(get!.body).toBe('');
    expect(get!.headers['x-tenantwatch-test']).toBe('1');
    expect(verifyWebhookSignature({ secret, signatureHeader: get!.headers['x-tenantwatch-signature'] as string, body: '' }).ok).toBe(true);
  });

  test('form and XML bodies escape values for their type', async () => {
    const before = receiver.requests.length;
    await sendWebhook(settings({ contentType: 'application/x-www-form-urlencoded', body: 'title={Event.Title}&count={Event.Count}' }), message(), LOOPBACK);
    await sendWebhook(settings({ contentType: 'application/xml', body: '<alert><title>{Event.Title}</title></alert>' }), message(), LOOPBACK);
    const [form, xml] = (await receiver.waitForRequests(before + 2)).slice(before);
    expect(Object.fromEntries(new URLSearchParams(form!.body))).toEqual({ title: event['Event.Title'], count: '3' });
    expect(xml!.body).toBe('<alert><title>Inbox rule &quot;},&quot;admin&quot;:true,&quot;x&quot;:&quot;&lt;script&gt;alert(1)&lt;/script&gt;</title></alert>');
  });

  test.each([
    [429, { 'retry-after': '120' }, { ok: false, retryable: true, status: 429, retryAfterSeconds: 120 }],
    [503, {}, { ok: false, retryable: true, status: 503 }],
    [408, {}, { ok: false, retryable: true, status: 408 }],
    [400, {}, { ok: false, retryable: false, status: 400 }],
    [404, {}, { ok: false, retryable: false, status: 404 }],
    [202, {}, { ok: true, status: 202 }],
  ] as const)('an answer %i (headers %o)', async (status, headers, expected) => {
    receiver.respond((_req, res) => res.writeHead(status, headers).end(`answer ${status}`));
    const outcome = await sendWebhook(settings(), message(), LOOPBACK);
    expect(outcome).toMatchObject(expected);
    expect(outcome).toMatchObject({ responseBody: `answer ${status}` });
  });

  test('the SSRF guard refuses loopback unless allowed, finally (no retry) and before sending', async () => {
    const before = receiver.requests.length;
    const outcome = await sendWebhook(settings(), message());
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(!outcome.ok && outcome.error).toContain('127.0.0.1 is a loopback address');
    expect(receiver.requests.length).toBe(before);
  });

  test('a closed port is a network error worth retrying', async () => {
    const closed = await startHttpReceiver();
    const url = `${closed.url}/gone`;
    await closed.close();
    const outcome = await sendWebhook(settings({ url }), message(), LOOPBACK);
    expect(outcome).toMatchObject({ ok: false, retryable: true });
  });

  test('settings errors are plain words', () => {
    const issues = (input: unknown) => {
      const r = webhookSettings.safeParse(input);
      return r.success ? [] : r.error.issues.map((i) => i.message);
    };
    expect(issues({ url: 'ftp://x.example.com' })).toEqual(['The URL must start with https:// or http://']);
    expect(issues({ url: 'hooks.example.com' })).toEqual(['The URL is not a valid address (e.g. https://hooks.example.com/tenantwatch)']);
    const secretIssues = webhookSecret.safeParse('short');
    expect(secretIssues.success ? [] : secretIssues.error.issues.map((i) => i.message)).toEqual(['The signing secret must be at least 16 characters']);
    expect(issues({ url: 'https://a.example.com', body: '{"a": "{Event.Titel}"}' })).toEqual([
      "Unknown field 'Event.Titel' in '{Event.Titel}' in the body (character 8)",
    ]);
    expect(issues({ url: 'https://a.example.com', body: '{"a": {Event.Title}' })[0]).toMatch(/^The body is not valid JSON/);
    expect(issues({ url: 'https://a.example.com', headers: [{ name: 'Host', value: 'x' }] })).toEqual([
      'This header is set by Tenantwatch (use the content type field for Content-Type)',
    ]);
    expect(issues({ url: 'https://a.example.com', headers: [{ name: 'Bad Name', value: 'x' }] })[0]).toMatch(/^A header name may hold only/);
    expect(issues({ url: 'https://a.example.com', method: 'CONNECT' })).toEqual(['The method must be POST, PUT, PATCH, GET or DELETE']);
  });

  test('without a signing secret nothing is sent, finally', async () => {
    const before = receiver.requests.length;
    expect(await send(settings(), message(), LOOPBACK, null)).toEqual({ ok: false, retryable: false, error: 'The web request has no signing secret' });
    expect(receiver.requests.length).toBe(before);
  });

  test('sendToChannel turns settings that no longer parse into a final failure', async () => {
    const outcome = await sendToChannel('webhook', { url: 'javascript:alert(1)' }, message(), LOOPBACK, secret);
    expect(outcome).toEqual({ ok: false, retryable: false, error: 'The web request settings are not valid: The URL must start with https:// or http://' });
  });
});
