import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { listOutbox, outboxMessage } from '../../core/trigger/outbox-messages.ts';
import { guard, requireCtx } from '../auth/middleware.ts';
import { errorResponses, IdParam, json } from '../schemas.ts';
import type { AppEnv } from '../types.ts';

const MessageSchema = z
  .object({
    id: z.string(),
    messageId: z.string().nullable(),
    from: z.string(),
    to: z.string(),
    subject: z.string(),
    receivedAt: z.string(),
  })
  .openapi('OutboxMessage');

export const outboxRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/outbox',
      tags: ['triggers'],
      summary: "The MSP's alert mail held by the built-in SMTP sink (the demo's mail server), newest first",
      ...guard('outbox.read'),
      responses: {
        200: json(
          z.object({ enabled: z.boolean(), items: z.array(MessageSchema), nextCursor: z.null() }),
          'Messages; `enabled` is false when mail goes to a real SMTP server',
        ),
        ...errorResponses,
      },
    }),
    async (c) => c.json(await listOutbox({ ctx: requireCtx(c), sink: c.get('deps').outbox ?? null }), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/outbox/{id}',
      tags: ['triggers'],
      summary: 'One message with its text and HTML parts (show the HTML only in a sandboxed frame)',
      ...guard('outbox.read'),
      request: { params: IdParam },
      responses: {
        200: json(
          MessageSchema.extend({ text: z.string(), html: z.string().nullable(), headers: z.record(z.string(), z.string()) }).openapi('OutboxMessageDetail'),
          'The message',
        ),
        ...errorResponses,
      },
    }),
    async (c) => c.json(await outboxMessage({ ctx: requireCtx(c), sink: c.get('deps').outbox ?? null, id: c.req.valid('param').id }), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/outbox/{id}/html',
      tags: ['triggers'],
      summary:
        "One message's HTML part as a page of its own, for a sandboxed frame on the Outbox page: no scripts, nothing loaded from elsewhere, links open in a new tab",
      ...guard('outbox.read'),
      request: { params: IdParam },
      responses: { 200: { content: { 'text/html': { schema: z.string() } }, description: 'The HTML part' }, ...errorResponses },
    }),
    async (c) => {
      const message = await outboxMessage({ ctx: requireCtx(c), sink: c.get('deps').outbox ?? null, id: c.req.valid('param').id });
      // Mail HTML is someone else's markup: framed only by this origin, sandboxed, no script, no outside loads.
      c.header(
        'Content-Security-Policy',
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox",
      );
      return c.html(`<base target="_blank">${message.html ?? ''}`, 200);
    },
  );
