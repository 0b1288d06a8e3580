/**
 * Send Email: an alert mail through SMTP (nodemailer, pooled). Subject and body are
 * `{Event.Field}` templates; values are escaped for where they land (a header for the subject,
 * HTML or plain text for the body), a plain-text part always goes along, and a "View event" link
 * points at the event page on the public URL.
 */
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { z } from 'zod';
import { sha256 } from '../../crypto.ts';
import { escapeHtml, renderTemplate } from '../template.ts';
import { templateSetting } from './http.ts';
import type { ChannelMessage, DeliveryOutcome } from './types.ts';

/** How the connection to the SMTP server is secured. */
export const SMTP_SECURITY = ['starttls', 'tls', 'none'] as const;
export type SmtpSecurity = (typeof SMTP_SECURITY)[number];

export type SmtpSettings = {
  host: string;
  port: number;
  /** `tls`: TLS from the first byte (port 465). `starttls`: upgrade, and refuse a server that cannot. `none`: plain (a local relay or the demo's sink). */
  security: SmtpSecurity;
  user: string | undefined;
  password: string | undefined;
  /** Default From when an action names none, e.g. `Tenantwatch <alerts@example.com>`. */
  from: string;
  /** Seconds for connecting, the greeting and each reply. */
  timeoutSeconds: number;
  /** Pooled connections kept open to the server. */
  maxConnections: number;
};

const address = z.email({ message: 'expected an email address' });

/** The action's settings, as the trigger editor saves them. `@owners` stands for the MSP's owners. */
export const emailSettings = z.object({
  to: z
    .array(
      z
        .string()
        .trim()
        .refine((v) => v === '@owners' || address.safeParse(v).success, { message: 'expected an email address or @owners' }),
    )
    .min(1, 'at least one recipient')
    .max(50, 'at most 50 recipients'),
  from: z
    .string()
    .trim()
    .max(320)
    .refine((v) => !/[\r\n]/.test(v), { message: 'no line breaks' })
    .optional(),
  subject: templateSetting('the subject', 1000).refine((v) => v.trim() !== '', { message: 'The subject is required' }),
  /** The body is HTML (values HTML-escaped) rather than plain text. */
  html: z.boolean().default(false),
  body: templateSetting('the body', 100_000),
});
export type EmailSettings = z.output<typeof emailSettings>;

export type RenderedEmail = { subject: string; text: string; html: string };

/**
 * The mail an action makes of one event. The "View event" link goes under the body; the plain
 * text part is the body with the template's own markup taken out (values are never run through
 * that, they are escaped as text).
 */
export function renderEmail(settings: Pick<EmailSettings, 'subject' | 'html' | 'body'>, message: Pick<ChannelMessage, 'lookup' | 'eventUrl'>): RenderedEmail {
  const subject = renderTemplate(settings.subject, message.lookup, 'header');
  const textTemplate = settings.html ? htmlTemplateToText(settings.body) : settings.body;
  const bodyText = renderTemplate(textTemplate, message.lookup, 'text').trim();
  const bodyHtml = settings.html
    ? renderTemplate(settings.body, message.lookup, 'html')
    : `<div style="white-space:pre-wrap">${renderTemplate(settings.body, message.lookup, 'html')}</div>`;
  const link = message.eventUrl;
  const text = link ? `${bodyText}\n\nView event: ${link}\n` : `${bodyText}\n`;
  const button = link
    ? `<p style="margin-top:24px"><a href="${escapeHtml(link)}" style="background:#1d4ed8;color:#ffffff;padding:10px 16px;border-radius:6px;text-decoration:none;font-weight:600">View event</a></p>`
    : '';
  const html = `<!doctype html><html><body style="font-family:system-ui,-apple-system,Segoe UI,sans-serif;font-size:14px;line-height:1.5;color:#111827">${bodyHtml}${button}</body></html>`;
  return { subject, text, html };
}

/** Turns an HTML body template into a text one: line breaks for block ends, tags dropped, entities read. */
export function htmlTemplateToText(template: string): string {
  return template
    .replace(/<\s*br\s*\/?>/gi, '\n')
    .replace(/<\/\s*(p|div|li|tr|h[1-6])\s*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n');
}

/** The Message-ID of a delivery: the same key gives the same id, so a re-send after a crash is recognisable. */
export function messageIdFor(idempotencyKey: string, domain: string): string {
  return `<${sha256(idempotencyKey).slice(0, 40)}@${domain}>`;
}

export type Mailer = {
  send(settings: EmailSettings, message: ChannelMessage): Promise<DeliveryOutcome>;
  /** Sends an already rendered mail (digests). */
  sendRendered(mail: { to: string[]; from?: string | undefined; idempotencyKey: string } & RenderedEmail): Promise<DeliveryOutcome>;
  close(): void;
};

/**
 * One pooled SMTP transport for the process. Bad settings fail here, at construction.
 * @example const mailer = createMailer({ host: 'smtp.example.com', port: 587, security: 'starttls', ... })
 */
export function createMailer(smtp: SmtpSettings): Mailer {
  const options: SMTPTransport.Options & { pool: true; maxConnections: number } = {
    pool: true,
    maxConnections: smtp.maxConnections,
    host: smtp.host,
    port: smtp.port,
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    ignoreTLS: smtp.security === 'none',
    connectionTimeout: smtp.timeoutSeconds * 1000,
    greetingTimeout: smtp.timeoutSeconds * 1000,
    socketTimeout: smtp.timeoutSeconds * 1000,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
  };
  const transport = nodemailer.createTransport(options);
  const domain = addressDomain(smtp.from) ?? 'tenantwatch.invalid';

  const sendRendered: Mailer['sendRendered'] = async (mail) => {
    try {
      const info = await transport.sendMail({
        from: mail.from || smtp.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: messageIdFor(mail.idempotencyKey, domain),
        headers: { 'X-Tenantwatch-Delivery': mail.idempotencyKey },
        // Nothing in a message may come from a file or URL named by data.
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      if (info.rejected.length > 0 && info.accepted.length === 0)
        return { ok: false, retryable: false, error: `every recipient was refused: ${info.rejected.join(', ')}` };
      return { ok: true, detail: info.response };
    } catch (err) {
      return smtpFailure(err);
    }
  };

  return {
    async send(settings, message) {
      const recipients = settings.to.filter((r) => r !== '@owners');
      if (recipients.length === 0) return { ok: false, retryable: false, error: 'no recipients (the MSP has no active owner)' };
      return sendRendered({ to: recipients, from: settings.from, idempotencyKey: message.idempotencyKey, ...renderEmail(settings, message) });
    },
    sendRendered,
    close() {
      transport.close();
    },
  };
}

function addressDomain(from: string): string | undefined {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from);
  return m?.[1];
}

/** SMTP answers 4xx for "later" and 5xx for "never"; connection trouble is always worth another try. */
export function smtpFailure(err: unknown): DeliveryOutcome {
  const e = err as { responseCode?: number; response?: string; code?: string; message?: string };
  const message = (e.response ?? e.message ?? String(err)).slice(0, 500);
  if (typeof e.responseCode === 'number') {
    return { ok: false, retryable: e.responseCode < 500, status: e.responseCode, error: `SMTP server answered ${message}` };
  }
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') return { ok: false, retryable: false, error: message };
  return { ok: false, retryable: true, error: `could not reach the SMTP server: ${message}` };
}
