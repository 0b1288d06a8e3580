import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { SNAPSHOT_STATUSES, type EntityKind } from '../../../db/schema/index.ts';
import { nullableNamed, SNAPSHOT_SCHEMAS, UNAVAILABLE_REASONS } from '../../../enrichment/entities/index.ts';
import { listEventEntities } from '../../core/event-entities/list-event-entities.ts';
import { UnavailableError } from '../../errors.ts';
import { guard, requireCtx } from '../auth/middleware.ts';
import { errorResponse, errorResponses, IdParam, json } from '../schemas.ts';
import type { AppEnv } from '../types.ts';

const ReasonSchema = z
  .object({
    code: z
      .enum(UNAVAILABLE_REASONS)
      .openapi({ description: 'entity-deleted, permission-missing and no-data are final; rate-limited and error were transient' }),
    message: z.string().openapi({ example: 'The app lacks User.Read.All; grant it and give admin consent.' }),
  })
  .openapi('EntityUnavailableReason');

const changeFields = {
  changed: z.array(z.string()).optional().openapi({ description: 'Paths of the recorded snapshot that differ now, e.g. `status`' }),
  changes: z.array(z.object({ path: z.string(), recorded: z.unknown(), live: z.unknown() })).optional(),
};

/** One kind's entity: its snapshots are that kind's recorded snapshot (enrichment/entities/snapshots.ts). */
function eventEntitySchema<K extends EntityKind>(kind: K, name: string) {
  const snapshot = nullableNamed(SNAPSHOT_SCHEMAS[kind]);
  return z
    .object({
      id: z.string(),
      kind: z.literal(kind),
      key: z.string().openapi({ example: 'megan@contoso.com' }),
      remediations: z.array(z.string()),
      isPrimary: z.boolean(),
      recorded: z.object({
        status: z.enum(SNAPSHOT_STATUSES),
        snapshot,
        reason: nullableNamed(ReasonSchema),
        recordedAt: z.string().nullable(),
        attempts: z.number(),
      }),
      live: z
        .object({
          status: z.enum(['available', 'unavailable']),
          snapshot,
          reason: nullableNamed(ReasonSchema),
          fetchedAt: z.string(),
          cached: z.boolean(),
        })
        .optional(),
      ...changeFields,
    })
    .openapi(name);
}

const EventEntitySchema = z
  .discriminatedUnion('kind', [
    eventEntitySchema('user', 'UserEventEntity'),
    eventEntitySchema('mailbox', 'MailboxEventEntity'),
    eventEntitySchema('app', 'AppEventEntity'),
    eventEntitySchema('inbox_rule', 'InboxRuleEventEntity'),
    eventEntitySchema('mail_flow_rule', 'MailFlowRuleEventEntity'),
    eventEntitySchema('link', 'LinkEventEntity'),
    eventEntitySchema('ip', 'IpEventEntity'),
  ])
  .openapi('EventEntity', { description: "An event's entity; `kind` says which snapshot it carries (a mailbox carries its owner's user snapshot)" });

const LiveQuery = z.object({
  live: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .openapi({ description: 'Also look every entity up now and mark what changed since detection (cached for a minute, rate-limited per tenant).' }),
});

/** An event's entities: the snapshots recorded at detection and, on request, the live lookups. */
export const eventEntityRoutes = new OpenAPIHono<AppEnv>().openapi(
  createRoute({
    method: 'get',
    path: '/events/{id}/entities',
    tags: ['events'],
    summary: "The event's entities with the details recorded at detection; with live=true also their details now and what changed",
    ...guard('event.read'),
    request: { params: IdParam, query: LiveQuery },
    responses: {
      200: json(z.object({ items: z.array(EventEntitySchema) }), 'The entities, primary ones first'),
      429: errorResponse("Too many live lookups for this event's tenant; see Retry-After"),
      503: errorResponse('Live lookups are not available on this deployment'),
      ...errorResponses,
    },
  }),
  async (c) => {
    const ctx = requireCtx(c);
    const { live } = c.req.valid('query');
    const wantsLive = live === 'true' || live === '1';
    const deps = c.get('deps');
    const lookup = deps.entityLookup;
    if (wantsLive && (!deps.tokens || !lookup)) {
      // Answer 404 for another MSP's event before saying anything about this deployment.
      await listEventEntities({ ctx, id: c.req.valid('param').id });
      throw new UnavailableError('Live lookups run on the Node deployment (they sign in to Microsoft); the recorded details are available without live=true.');
    }
    return c.json(await listEventEntities({ ctx, id: c.req.valid('param').id, ...(wantsLive && lookup ? { live: lookup } : {}) }), 200);
  },
);
