import { z } from 'zod';
import { isTemplateField } from '../event-lookup.ts';
import { checkUrlForm, safeFetch, SafeFetchError, type SafeFetchOptions, type SafeResponse } from '../../net/safe-fetch.ts';
import { checkTemplate, renderTemplate, type TemplateContext } from '../template.ts';
import type { ChannelEnvironment, DeliveryOutcome } from './types.ts';

/** What the channels share: URL and template settings, sending through the SSRF guard, outcomes. */

/** A destination URL setting, with the editor's plain-word errors. */
export const urlSetting = z
  .string({ message: 'The URL is required' })
  .trim()
  .min(1, 'The URL is required')
  .max(2048, 'The URL is longer than 2,048 characters')
  .superRefine((value, ctx) => {
    try {
      checkUrlForm(value);
    } catch (err) {
      const message = (err as Error).message;
      ctx.addIssue({
        code: 'custom',
        message: message === 'The URL is not a valid address' ? 'The URL is not a valid address (e.g. https://hooks.example.com/tenantwatch)' : message,
      });
    }
  });

/**
 * A `{Event.Field}` template setting: known fields only, closed placeholders, at most `max`
 * characters. `what` names it in errors ("the subject", "the body").
 */
export function templateSetting(what: string, max: number) {
  return z
    .string({ message: `${capitalise(what)} is required` })
    .max(max, `${capitalise(what)} is longer than ${max.toLocaleString('en-US')} characters`)
    .superRefine((value, ctx) => {
      const checked = checkTemplate(value, isTemplateField);
      if (!checked.ok) {
        for (const e of checked.errors) ctx.addIssue({ code: 'custom', message: `${e.message} in ${what} (character ${e.position + 1})` });
      }
    });
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Renders a template once per context; a shorthand the channels share. */
export function render(template: string, lookup: (field: string) => unknown, context: TemplateContext): string {
  return renderTemplate(template, lookup, context);
}

/** How long the delivery record keeps of a receiver's answer. */
export const RESPONSE_KEPT_BYTES = 64 * 1024;

/** Sends through the SSRF guard with the installation's allow list and timeouts. */
export async function sendHttp(
  url: string,
  init: Pick<SafeFetchOptions, 'method' | 'headers' | 'body'>,
  env: ChannelEnvironment = {},
): Promise<DeliveryOutcome> {
  let response: SafeResponse;
  try {
    response = await safeFetch(url, {
      ...init,
      allow: env.allowCidrs ?? [],
      ...(env.connectTimeoutMs !== undefined && { connectTimeoutMs: env.connectTimeoutMs }),
      ...(env.totalTimeoutMs !== undefined && { totalTimeoutMs: env.totalTimeoutMs }),
      ...(env.resolve && { resolve: env.resolve }),
      ...(env.signal && { signal: env.signal }),
      maxBodyBytes: RESPONSE_KEPT_BYTES,
    });
  } catch (err) {
    return outcomeOfError(err);
  }
  return outcomeOfResponse(response);
}

/** Refusals and redirect loops do not heal by themselves; network trouble and timeouts may. */
export function outcomeOfError(err: unknown): DeliveryOutcome {
  if (err instanceof SafeFetchError) {
    return { ok: false, retryable: err.kind === 'timeout' || err.kind === 'network', error: err.message };
  }
  return { ok: false, retryable: true, error: `Unexpected failure: ${(err as Error)?.message ?? String(err)}` };
}

/** 2xx delivered; 408, 429 and 5xx worth retrying (honouring Retry-After); the rest final. */
export function outcomeOfResponse(response: SafeResponse): DeliveryOutcome {
  const { status } = response;
  const responseBody = response.body;
  const said = summarise(responseBody);
  if (status >= 200 && status < 300) {
    return { ok: true, status, detail: `HTTP ${status}${said ? `: ${said}` : ''}`, responseBody };
  }
  const retryable = status === 408 || status === 429 || status >= 500;
  const retryAfterSeconds = retryable ? parseRetryAfter(response.headers['retry-after']) : undefined;
  const error = status >= 300 && status < 400 ? `HTTP ${status}: a redirect without a usable Location` : `HTTP ${status}${said ? `: ${said}` : ''}`;
  return { ok: false, retryable, status, error, responseBody, ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) };
}

/** The first line of an answer, short, for the history list. */
function summarise(body: string): string {
  const line = body.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Retry-After as seconds (delay form or HTTP date), at most a day; undefined when absent or bad. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  let seconds: number;
  if (/^\d+$/.test(text)) seconds = Number(text);
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    seconds = Math.ceil((at - now) / 1000);
  }
  return Math.min(Math.max(seconds, 0), 86_400);
}

/**
 * Header values go out as the UTF-8 bytes of the text (HTTP carries bytes; undici only takes
 * Latin-1 strings), so a receiver reading the raw bytes as UTF-8 gets the text back.
 */
export function headerBytes(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1');
}
