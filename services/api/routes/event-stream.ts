import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { EventFeed } from '../../core/event/watch-events.ts';
import { allow, requireCtx } from '../auth/middleware.ts';
import { errorResponses } from '../schemas.ts';
import type { AppEnv } from '../types.ts';

/** How often the stream asks the database for changes: works across processes, on PGlite and Postgres alike. */
export const EVENT_STREAM_POLL_MS = 3_000;
/** A comment line this often keeps proxies from closing a quiet stream. */
export const EVENT_STREAM_HEARTBEAT_MS = 15_000;
/** What browsers wait before reconnecting after the stream ends (a restart, a proxy timeout). */
const RETRY_MS = 5_000;

/**
 * `GET /events/stream`: server-sent events for the Report page. Mounted before the events routes
 * so `/events/{id}` does not take the path.
 */
export const eventStreamRoutes = new OpenAPIHono<AppEnv>().openapi(
  createRoute({
    method: 'get',
    path: '/events/stream',
    tags: ['events'],
    summary: 'New and updated events as server-sent events (`event: event`, data: id, tenantId, severity, status, count, lastSeenAt, createdAt, changedAt)',
    description:
      'Starts with `event: ready`; then one `event` message per event detection creates or updates, with the change time as its `id`, so a browser that reconnects (it sends `Last-Event-ID`) hears what it missed. A comment line every 15 s keeps the connection open. Scoped to the caller\'s MSP.',
    middleware: [allow('event.read')] as const,
    request: {
      query: z.object({ since: z.string().max(40).optional().openapi({ description: 'Resume after this message id (what `Last-Event-ID` carries)', example: '2026-11-01T08:30:00.123456Z' }) }),
    },
    responses: {
      200: { content: { 'text/event-stream': { schema: z.string() } }, description: 'The stream; it ends when the server stops' },
      ...errorResponses,
    },
  }),
  async (c) => {
    const ctx = requireCtx(c);
    const { shutdown, log } = c.get('deps');
    // Opened before streaming, so a database failure is an ordinary error answer.
    const feed = await EventFeed.open(ctx, c.req.header('last-event-id') ?? c.req.valid('query').since);
    return streamSSE(
      c,
      async (stream) => {
        let wake = () => {};
        const stop = () => wake();
        shutdown?.addEventListener('abort', stop);
        stream.onAbort(stop);
        const ended = () => stream.aborted || stream.closed || shutdown?.aborted === true;
        try {
          await stream.writeSSE({ event: 'ready', id: feed.position, retry: RETRY_MS, data: JSON.stringify({ position: feed.position }) });
          let quietSince = Date.now();
          while (!ended()) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, EVENT_STREAM_POLL_MS);
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
            if (ended()) break;
            const changes = await feed.poll();
            for (const change of changes) await stream.writeSSE({ event: 'event', id: change.changedAt, data: JSON.stringify(change) });
            if (changes.length > 0) quietSince = Date.now();
            else if (Date.now() - quietSince >= EVENT_STREAM_HEARTBEAT_MS) {
              await stream.write(': heartbeat\n\n');
              quietSince = Date.now();
            }
          }
        } catch (err) {
          // Logged, not sent: the browser reconnects and resumes from its last message.
          if (!ended()) log.error({ err, requestId: c.get('requestId') }, 'event stream failed');
        } finally {
          shutdown?.removeEventListener('abort', stop);
        }
      },
    );
  },
);
