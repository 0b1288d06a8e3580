import { Hono } from 'hono';
import { acceptNotification, tenantForAuthId } from '../../collector/webhook.ts';
import { errorBody } from '../errors.ts';
import type { AppEnv } from '../types.ts';

/**
 * The Office 365 Management Activity API's webhook: the validation handshake when a subscription
 * is started, then notifications of new content. Microsoft authenticates with the Webhook-AuthID
 * Tenantwatch gave it for that tenant; anything else is refused.
 */
export const webhookRoutes = new Hono<AppEnv>().post('/api/webhooks/management-activity', async (c) => {
  const { secrets, database, log, collectionQueue } = c.get('deps');
  const tenantId = tenantForAuthId(secrets, c.req.header('webhook-authid'));
  if (!tenantId) return c.json(errorBody(c, 'unauthenticated', 'Unknown Webhook-AuthID.'), 401);
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return c.json(errorBody(c, 'bad_request', 'Expected a JSON body.'), 400);
  }
  // The handshake: answering 200 is the whole protocol.
  if (c.req.header('webhook-validationcode') !== undefined) return c.body(null, 200);
  if (!Array.isArray(body)) return c.json(errorBody(c, 'bad_request', 'Expected an array of notifications.'), 400);
  const marked = await acceptNotification(database.db, tenantId, body);
  // Collect now rather than at the next scheduler tick; a failure to queue leaves it to the tick.
  if (marked > 0 && collectionQueue) await collectionQueue.send(tenantId).catch((err: unknown) => log.warn({ err, tenantId }, 'could not queue a collection'));
  log.info({ tenantId, notifications: body.length, sourcesDue: marked }, 'audit content notification');
  return c.body(null, 200);
});
