import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { authorize } from '../../core/authz.ts';
import type { Actor } from '../../core/context.ts';
import { EventFeed } from '../../core/event/watch-events.ts';
import { RateLimitedError } from '../../errors.ts';
import { guard, requireCtx, resolveAuth } from '../auth/middleware.ts';
import { errorResponse, errorResponses } from '../schemas.ts';
import type { AppEnv } from '../types.ts';

/** How often the stream asks the database for changes: works across processes, on PGlite and Postgres alike. */
export const EVENT_STREAM_POLL_MS = 3_000;
/** A comment line this often keeps proxies from closing a quiet stream. */
export const EVENT_STREAM_HEARTBEAT_MS = 15_000;
/** What browsers wait before reconnecting after the stream ends (a restart, a proxy timeout). */
const RETRY_MS = 5_000;

/** Open streams per user in this process: each holds a connection and polls the database. */
const openStreams = new Map<string, number>();
const userOf = (actor: Actor) => (actor.type === 'user' ? actor.id : actor.type === 'token' ? actor.userId : 'system');

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
      "Starts with `event: ready`; then one `event` message per event detection creates or updates, with the change time as its `id`, so a browser that reconnects (it sends `Last-Event-ID`) hears what it missed. A comment line every 15 s keeps the connection open. Scoped to the caller's MSP. The session or token is checked again every `TW_EVENT_STREAM_RECHECK_SECONDS`: when it has ended, been revoked or its user disabled, the stream sends `event: end` and closes. One user may hold `TW_EVENT_STREAMS_PER_USER` streams at once; more answer 429.",
    ...guard('event.read'),
    request: {
      query: z.object({
        since: z
          .string()
          .max(40)
          .optional()
          .openapi({ description: 'Resume after this message id (what `Last-Event-ID` carries)', example: '2026-11-01T08:30:00.123456Z' }),
      }),
    },
    responses: {
      200: {
        content: { 'text/event-stream': { schema: z.string() } },
        description: 'The stream; it ends when the server stops or the credentials are no longer valid',
      },
      429: errorResponse('Too many open streams for this user'),
      ...errorResponses,
    },
  }),
  async (c) => {
    const ctx = requireCtx(c);
    const { shutdown, log, config } = c.get('deps');
    const user = userOf(ctx.actor);
    const limit = config.eventStream.maxPerUser;
    if ((openStreams.get(user) ?? 0) >= limit) {
      throw new RateLimitedError(`You already have ${limit} live event streams open (one per open Report page): close a tab and try again.`, 30);
    }
    // Opened before streaming, so a database failure is an ordinary error answer.
    const feed = await EventFeed.open(ctx, c.req.header('last-event-id') ?? c.req.valid('query').since);
    const recheckMs = config.eventStream.recheckSeconds * 1000;
    /** Whether the request's session or token still grants this stream to the same caller. */
    const stillValid = async () => {
      try {
        const auth = await resolveAuth(c);
        if (!auth || auth.msp !== ctx.msp || userOf(auth.actor) !== user) return false;
        authorize(auth, 'event.read');
        return true;
      } catch {
        return false;
      }
    };
    openStreams.set(user, (openStreams.get(user) ?? 0) + 1);
    return streamSSE(c, async (stream) => {
      let wake = () => {};
      const stop = () => wake();
      shutdown?.addEventListener('abort', stop);
      stream.onAbort(stop);
      const ended = () => stream.aborted || stream.closed || shutdown?.aborted === true;
      try {
        await stream.writeSSE({ event: 'ready', id: feed.position, retry: RETRY_MS, data: JSON.stringify({ position: feed.position }) });
        let quietSince = Date.now();
        let checkedAt = Date.now();
        while (!ended()) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(EVENT_STREAM_POLL_MS, recheckMs));
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          if (ended()) break;
          if (Date.now() - checkedAt >= recheckMs) {
            if (!(await stillValid())) {
              await stream.writeSSE({ event: 'end', data: JSON.stringify({ reason: 'Your session has ended or your access was removed: sign in again.' }) });
              break;
            }
            checkedAt = Date.now();
          }
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
        const left = (openStreams.get(user) ?? 1) - 1;
        if (left > 0) openStreams.set(user, left);
        else openStreams.delete(user);
      }
    });
  },
);
