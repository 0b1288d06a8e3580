import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { withEventUrl } from '../event-lookup.ts';
import { renderTemplate, toHeaderValue, type TemplateContext } from '../template.ts';
import { headerBytes, sendHttp, templateSetting, urlSetting } from './http.ts';
import type { Channel, ChannelEnvironment, ChannelMessage, DeliveryOutcome } from './types.ts';

/**
 * Perform Web Request: any HTTP endpoint (a SIEM, an automation platform, a ticketing hook).
 *
 * Every request is signed, so the receiver can tell it came from this trigger and was not
 * replayed later:
 *
 *   X-Tenantwatch-Timestamp: 1796650000
 *   X-Tenantwatch-Signature: t=1796650000,v1=<hex HMAC-SHA256(secret, "1796650000." + body)>
 *   Idempotency-Key: <stable per event and action; the same on every retry>
 *
 * The secret is the trigger's signing secret as UTF-8 text; the body is the exact bytes sent
 * (empty for GET and DELETE). A receiver recomputes the HMAC, compares in constant time, and
 * refuses timestamps older than a few minutes (`verifyWebhookSignature` does all three).
 *
 * Values in the body are escaped for its content type: JSON strings, form fields
 * (percent-encoded), XML or HTML entities, or kept as they are for other types.
 */

export const WEBHOOK_METHODS = ['POST', 'PUT', 'PATCH', 'GET', 'DELETE'] as const;

export const SIGNATURE_HEADER = 'X-Tenantwatch-Signature';
export const TIMESTAMP_HEADER = 'X-Tenantwatch-Timestamp';
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** Headers the request sets itself, or that would change how it travels. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'idempotency-key',
  'user-agent',
]);
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export const DEFAULT_WEBHOOK_BODY = `{
  "event": {
    "id": "{Event.Id}",
    "url": "{Event.Url}",
    "title": "{Event.Title}",
    "description": "{Event.Description}",
    "severity": "{Event.Severity}",
    "detection": "{Event.Detection}",
    "eventType": "{Event.EventType}",
    "operationResult": "{Event.OperationResult}",
    "tenant": "{Event.Tenant}",
    "userName": "{Event.UserName}",
    "networkAddress": "{Event.NetworkAddress}",
    "countryCode": "{IP.CountryCode}",
    "time": "{Event.Time}",
    "count": {Event.Count}
  }
}`;

const headerSetting = z.object({
  name: z
    .string({ message: 'A header needs a name' })
    .trim()
    .min(1, 'A header needs a name')
    .max(100, 'A header name is longer than 100 characters')
    .refine((n) => HEADER_NAME.test(n), { message: "A header name may hold only letters, digits and - _ . ! # $ % & ' * + ^ ` | ~" })
    .refine((n) => !RESERVED_HEADERS.has(n.toLowerCase()) && !n.toLowerCase().startsWith('x-tenantwatch-') && !n.toLowerCase().startsWith('proxy-'), {
      message: 'This header is set by Tenantwatch (use the content type field for Content-Type)',
    }),
  value: templateSetting('a header value', 2000),
});

/** JSON media types: `application/json`, `application/problem+json`, with or without parameters. */
export function isJsonContentType(contentType: string): boolean {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^[a-z]+\/[a-z0-9.+-]+\+json$/.test(type);
}

/** How values are escaped in a body of this type: JSON, form fields, XML/HTML entities, or as text. */
export function bodyContext(contentType: string): TemplateContext {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (isJsonContentType(type)) return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (type === 'text/html' || type === 'application/xml' || type === 'text/xml' || type.endsWith('+xml')) return 'html';
  return 'text';
}

export const webhookSettings = z
  .object({
    method: z.enum(WEBHOOK_METHODS, { message: 'The method must be POST, PUT, PATCH, GET or DELETE' }).default('POST'),
    url: urlSetting,
    headers: z.array(headerSetting).max(20, 'At most 20 headers').default([]),
    contentType: z
      .string()
      .trim()
      .min(1, 'The content type is required')
      .max(200, 'The content type is longer than 200 characters')
      .refine((v) => /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(\s*;\s*[a-z0-9!#$&^_.+-]+=("[^"\r\n]*"|[a-z0-9!#$&^_.+-]+))*$/i.test(v), {
        message: 'The content type must look like application/json or text/plain; charset=utf-8',
      })
      .default('application/json'),
    body: templateSetting('the body', 100_000).default(DEFAULT_WEBHOOK_BODY),
  })
  .superRefine((s, ctx) => {
    if (!isJsonContentType(s.contentType) || s.method === 'GET' || s.method === 'DELETE') return;
    // Filled with empty values the body must already be JSON; values are escaped, so it stays JSON.
    try {
      JSON.parse(renderTemplate(s.body, () => undefined, 'json'));
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['body'], message: `The body is not valid JSON: ${(err as Error).message}` });
    }
  });

export type WebhookSettings = z.output<typeof webhookSettings>;

/**
 * The signing secret, kept apart from the settings (sealed at rest, never sent back to the
 * editor): one the admin types, or `generateWebhookSecret()`.
 */
export const webhookSecret = z
  .string({ message: 'The signing secret is required' })
  .min(16, 'The signing secret must be at least 16 characters')
  .max(200, 'The signing secret is longer than 200 characters');

/** A new signing secret for a trigger: 32 random bytes, base64url, with a recognisable prefix. */
export function generateWebhookSecret(): string {
  return `twsec_${randomBytes(32).toString('base64url')}`;
}

/** The signature header value for a body sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, timestamp: number, body: string | Uint8Array): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/**
 * Checks a received signature, for receivers (and our tests): the HMAC over the raw body, in
 * constant time, and a timestamp no further than `toleranceSeconds` from now.
 */
export function verifyWebhookSignature(input: {
  secret: string;
  signatureHeader: string | undefined;
  body: string | Uint8Array;
  toleranceSeconds?: number;
  now?: number;
}): { ok: true; timestamp: number } | { ok: false; reason: string } {
  const header = input.signatureHeader ?? '';
  const parts = Object.fromEntries(
    header.split(',').map((p) => {
      const i = p.indexOf('=');
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()];
    }),
  );
  const timestamp = Number(parts['t']);
  if (!/^\d+$/.test(parts['t'] ?? '') || !/^[0-9a-f]{64}$/.test(parts['v1'] ?? '')) return { ok: false, reason: 'malformed signature header' };
  const now = Math.floor((input.now ?? Date.now()) / 1000);
  if (Math.abs(now - timestamp) > (input.toleranceSeconds ?? 300)) return { ok: false, reason: 'timestamp outside the tolerance' };
  const expected = Buffer.from(signWebhook(input.secret, timestamp, input.body).split('v1=')[1]!, 'hex');
  const given = Buffer.from(parts['v1']!, 'hex');
  return timingSafeEqual(expected, given) ? { ok: true, timestamp } : { ok: false, reason: 'signature does not match' };
}

/** Renders and sends one signed request. Never throws. */
export async function sendWebhook(
  settings: WebhookSettings,
  message: ChannelMessage,
  env: ChannelEnvironment = {},
  secret?: string | null,
): Promise<DeliveryOutcome> {
  // Unsigned requests would teach receivers to accept anything: no secret, no request.
  if (!secret) return { ok: false, retryable: false, error: 'The web request has no signing secret' };
  const lookup = withEventUrl(message.lookup, message.eventUrl);
  const hasBody = settings.method !== 'GET' && settings.method !== 'DELETE';
  const body = hasBody ? renderTemplate(settings.body, lookup, bodyContext(settings.contentType)) : '';
  const timestamp = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {};
  for (const h of settings.headers) headers[h.name] = headerBytes(renderTemplate(h.value, lookup, 'header'));
  Object.assign(headers, {
    'user-agent': 'Tenantwatch-Webhook/1',
    [IDEMPOTENCY_HEADER.toLowerCase()]: headerBytes(toHeaderValue(message.idempotencyKey)),
    [TIMESTAMP_HEADER.toLowerCase()]: String(timestamp),
    [SIGNATURE_HEADER.toLowerCase()]: signWebhook(secret, timestamp, body),
    ...(hasBody && { 'content-type': settings.contentType }),
    ...(message.test && { 'x-tenantwatch-test': '1' }),
  });
  return await sendHttp(settings.url, { method: settings.method, headers, ...(hasBody && { body }) }, env);
}

export const webhookChannel: Channel<typeof webhookSettings, 'webhook'> = {
  kind: 'webhook',
  settings: webhookSettings,
  send: sendWebhook,
};
