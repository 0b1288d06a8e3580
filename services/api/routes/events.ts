import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ACTIVITY_SOURCES, DELIVERY_STATUSES, EVENT_STATUSES, SEVERITIES } from '../../../db/schema/index.ts';
import { EVENT_SORTS, EVENT_STATUS_FILTERS } from '../../core/event/event-query.ts';
import { EXPORT_MAX_ROWS, exportEvents } from '../../core/event/export-events.ts';
import { getEvent } from '../../core/event/get-event.ts';
import { ignoreEvent, ignoreEventInput, unignoreEvent } from '../../core/event/ignore-event.ts';
import { listEvents } from '../../core/event/list-events.ts';
import { summarizeEvents } from '../../core/event/summarize-events.ts';
import { getEventTicketState, requestEventTicket } from '../../core/psa/request-event-ticket.ts';
import { guard, requireCtx } from '../auth/middleware.ts';
import { errorResponse, errorResponses, IdParam, json, jsonBody, pageQuery } from '../schemas.ts';
import type { AppEnv } from '../types.ts';
import type { Context } from 'hono';

const several = (description: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .openapi({ description: `${description}; comma-separated or repeated` });

/** The Report table's filters, shared by the list, the charts and the export. */
const FilterQuery = z.object({
  tenant: several('Tenant ids'),
  severity: several(`Severities (${SEVERITIES.join(', ')})`),
  detection: several('Detection ids'),
  status: z.enum(EVENT_STATUS_FILTERS).optional().openapi({ description: 'unignored (default: open and resolved), ignored, or all' }),
  from: z.string().optional().openapi({ description: 'Last seen at or after (ISO 8601 date or date-time)', example: '2026-11-01' }),
  to: z.string().optional().openapi({ description: 'Last seen before; a date alone includes that day', example: '2026-11-30' }),
  q: z.string().optional().openapi({ description: 'Text in the title, description, user name or IP address' }),
  filter: z.string().optional().openapi({
    description: 'A filter-language expression; errors answer 400 with their position',
    example: "Event.Severity >= 'high' AND IP.CountryCode <> 'NL'",
  }),
  ticket: z.enum(['with', 'without']).optional().openapi({ description: 'Only events with a PSA ticket (with), or only those without one' }),
});
const SortQuery = z.object({
  sort: z.enum(EVENT_SORTS).optional().openapi({ description: 'Default lastSeen' }),
  order: z.enum(['asc', 'desc']).optional().openapi({ description: 'Default desc' }),
});

const EventSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    tenantName: z.string(),
    tenantIsDemo: z.boolean().openapi({ description: 'The tenant is the simulated demo ("Contoso (demo)")' }),
    detectionId: z.string(),
    title: z.string(),
    description: z.string(),
    severity: z.enum(SEVERITIES),
    status: z.enum(EVENT_STATUSES),
    mitre: z.array(z.string()),
    eventType: z.string().nullable(),
    operationResult: z.string().nullable(),
    userName: z.string().nullable(),
    networkAddress: z.string().nullable(),
    workload: z.string().nullable(),
    operation: z.string().nullable(),
    count: z.number(),
    firstSeenAt: z.string(),
    lastSeenAt: z.string(),
    createdAt: z.string(),
    ignoredAt: z.string().nullable(),
    whitelistRuleId: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    ticket: z
      .object({ number: z.string().nullable(), url: z.string().nullable(), status: z.string().nullable(), closed: z.boolean() })
      .nullable()
      .optional()
      .openapi({ description: 'The Report list: the PSA ticket standing for the event (number, status as last read, link), or null' }),
  })
  .openapi('Event');

const severityNumbers = { informational: z.number(), low: z.number(), medium: z.number(), high: z.number(), critical: z.number() } satisfies Record<
  (typeof SEVERITIES)[number],
  z.ZodNumber
>;
const SeverityCounts = z.object({ ...severityNumbers, total: z.number() });

const ReportCounts = SeverityCounts.extend({
  exact: z.boolean().openapi({
    description:
      'False when a bound cut the counts short: a severity stops at 1,000 (show "1,000+"), and with filter or ticket the counts cover the newest 2,500 events under the other filters (q searches every event)',
  }),
});

const EventPageSchema = z
  .object({
    items: z.array(EventSchema),
    nextCursor: z.string().nullable().openapi({
      description:
        'With filter or ticket a page tests at most 2,500 events (q searches every event), so it may hold fewer than limit items and still have a cursor: follow it to search further',
    }),
    counts: ReportCounts.openapi('SeverityCounts'),
  })
  .openapi('EventPage');

const EventDetailSchema = EventSchema.extend({
  tenantIsDemo: z.boolean().openapi({ description: "The event comes from the built-in demo's simulated tenant" }),
  howToReact: z.string(),
  fields: z.record(z.string(), z.unknown()),
  dedupKey: z.string(),
  ignoreReason: z.string().nullable(),
  ignore: z
    .object({
      at: z.string().nullable(),
      reason: z.string().nullable(),
      by: z.object({ id: z.string(), name: z.string(), email: z.string() }).nullable(),
      rule: z
        .object({ id: z.string(), name: z.string().nullable(), reason: z.string().nullable() })
        .nullable()
        .openapi({ description: 'The whitelist rule that ignored it; name null when the rule was deleted' }),
    })
    .nullable(),
  activities: z.array(
    z.object({
      id: z.string(),
      source: z.enum(ACTIVITY_SOURCES),
      recordId: z.string(),
      occurredAt: z.string(),
      ingestedAt: z.string(),
      workload: z.string(),
      operation: z.string(),
      recordType: z.number().nullable(),
      actorId: z.string().nullable(),
      actorUpn: z.string().nullable(),
      clientIp: z.string().nullable(),
      userAgent: z.string().nullable(),
      result: z.string().nullable(),
      target: z.string().nullable(),
      raw: z.unknown(),
    }),
  ),
  activityTotal: z.number(),
  related: z.array(EventSchema.extend({ sameUser: z.boolean(), sameIp: z.boolean() })),
  whitelistCriteria: z
    .object({
      tenantId: z.string(),
      detectionId: z.string(),
      userName: z.string().nullable(),
      ipAddress: z.string().nullable(),
      countryCode: z.string().nullable(),
      appId: z.string().nullable(),
    })
    .openapi({ description: 'The event\'s values for a "create rule from this event" form' }),
}).openapi('EventDetail');

const SummarySchema = z
  .object({
    from: z.string(),
    to: z.string(),
    bucket: z.enum(['hour', 'day', 'week']),
    overTime: z.array(z.object({ at: z.string(), ...severityNumbers, total: z.number() })),
    topDetections: z.array(z.object({ detectionId: z.string(), title: z.string(), count: z.number() })),
    countries: z.array(z.object({ countryCode: z.string().nullable(), count: z.number() })),
  })
  .openapi('EventSummary');

/** The export as a streamed CSV download. */
function csvResponse(c: Context<AppEnv>, file: Awaited<ReturnType<typeof exportEvents>>) {
  const encoder = new TextEncoder();
  const chunks = file.chunks;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  return c.body(body, 200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${file.filename}"`,
    'cache-control': 'no-store',
    'x-total-count': String(file.total),
  });
}

const LONG_FILTERS =
  'The same parameters as the GET, as a JSON body (lists as arrays): a long filter expression (up to 10,000 characters) does not fit in the address, which servers limit to about 16 KB of headers.';
const ListBody = FilterQuery.extend(SortQuery.shape).extend(pageQuery.shape).openapi('EventQuery');
const ExportQuery = FilterQuery.extend(SortQuery.shape).extend({ limit: z.coerce.number().int().min(1).max(EXPORT_MAX_ROWS).optional() });
const ExportBody = ExportQuery.openapi('EventExportQuery');
const SummaryBody = FilterQuery.openapi('EventSummaryQuery');

const IgnoreBody = ignoreEventInput.openapi('IgnoreEvent');

const EventTicketSchema = z
  .object({
    state: z.enum(['filed', 'requested', 'ready', 'no-psa', 'unmapped']).openapi({
      description:
        'filed: a ticket holds the event; requested: on its way through the outbox; ready: one can be asked for; no-psa / unmapped: not yet (message says why)',
    }),
    ticket: z.object({ id: z.string(), number: z.string().nullable(), url: z.string().nullable(), status: z.string().nullable() }).nullable(),
    delivery: z
      .object({ id: z.string(), status: z.enum(DELIVERY_STATUSES), lastError: z.string().nullable() })
      .nullable()
      .openapi({ description: 'The outbox delivery of the request made on the event page, if any' }),
    message: z.string().openapi({ description: 'In plain words, for the button' }),
  })
  .openapi('EventTicket');

export const eventRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/events',
      tags: ['events'],
      summary: 'The Report table: events under the filters, keyset-paged in any sort, with counts by severity',
      ...guard('event.read'),
      request: { query: FilterQuery.extend(SortQuery.shape).extend(pageQuery.shape) },
      responses: { 200: json(EventPageSchema, 'A page of events and the counts of every matching event by severity'), ...errorResponses },
    }),
    async (c) => c.json(await listEvents({ ctx: requireCtx(c), input: c.req.valid('query') }), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/events/summary',
      tags: ['events'],
      summary: 'Charts under the filters: events over time by severity (hourly up to 2 days, else daily), top detections, countries of the IP addresses',
      ...guard('event.read'),
      request: { query: FilterQuery },
      responses: { 200: json(SummarySchema, 'The summary (the last 30 days unless from/to say otherwise)'), ...errorResponses },
    }),
    async (c) => c.json(await summarizeEvents({ ctx: requireCtx(c), input: c.req.valid('query') }), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/events/export.csv',
      tags: ['events'],
      summary: `The events under the filters as CSV, streamed (at most ${EXPORT_MAX_ROWS.toLocaleString('en')} rows; a last line says when more matched)`,
      ...guard('event.read'),
      request: { query: ExportQuery },
      responses: {
        200: { content: { 'text/csv': { schema: z.string() } }, description: 'CSV with a header row; X-Total-Count is the number of matching events' },
        ...errorResponses,
      },
    }),
    async (c) => csvResponse(c, await exportEvents({ ctx: requireCtx(c), input: c.req.valid('query') })),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/events/query',
      tags: ['events'],
      summary: 'The Report table, with the filters in the body: as GET /events',
      description: LONG_FILTERS,
      ...guard('event.read'),
      request: jsonBody(ListBody),
      responses: { 200: json(EventPageSchema, 'A page of events and the counts of every matching event by severity'), ...errorResponses },
    }),
    async (c) => c.json(await listEvents({ ctx: requireCtx(c), input: c.req.valid('json') }), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/events/summary',
      tags: ['events'],
      summary: 'Charts with the filters in the body: as GET /events/summary',
      description: LONG_FILTERS,
      ...guard('event.read'),
      request: jsonBody(SummaryBody),
      responses: { 200: json(SummarySchema, 'The summary (the last 30 days unless from/to say otherwise)'), ...errorResponses },
    }),
    async (c) => c.json(await summarizeEvents({ ctx: requireCtx(c), input: c.req.valid('json') }), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/events/export.csv',
      tags: ['events'],
      summary: 'The CSV export with the filters in the body: as GET /events/export.csv',
      description: LONG_FILTERS,
      ...guard('event.read'),
      request: jsonBody(ExportBody),
      responses: {
        200: { content: { 'text/csv': { schema: z.string() } }, description: 'CSV with a header row; X-Total-Count is the number of matching events' },
        ...errorResponses,
      },
    }),
    async (c) => csvResponse(c, await exportEvents({ ctx: requireCtx(c), input: c.req.valid('json') })),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/events/{id}',
      tags: ['events'],
      summary: 'One event: its fields, who or which rule ignored it, its activity records (normalised and raw), related events',
      ...guard('event.read'),
      request: { params: IdParam },
      responses: { 200: json(EventDetailSchema, 'The event'), ...errorResponses },
    }),
    async (c) => c.json(await getEvent({ ctx: requireCtx(c), id: c.req.valid('param').id }), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/events/{id}/ignore',
      tags: ['events'],
      summary: 'Ignore an event (optional reason); who and when are recorded. Ignoring an ignored event changes nothing',
      ...guard('event.triage'),
      request: { params: IdParam, body: { content: { 'application/json': { schema: IgnoreBody } }, required: false } },
      responses: { 200: json(EventDetailSchema, 'The event, ignored'), ...errorResponses },
    }),
    async (c) => c.json(await ignoreEvent({ ctx: requireCtx(c), id: c.req.valid('param').id, input: c.req.valid('json') }), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/events/{id}/unignore',
      tags: ['events'],
      summary: 'Put an ignored event back as open',
      ...guard('event.triage'),
      request: { params: IdParam },
      responses: {
        200: json(EventDetailSchema, 'The event, open again'),
        409: errorResponse('Another open event already tracks the same detection and entity'),
        ...errorResponses,
      },
    }),
    async (c) => c.json(await unignoreEvent({ ctx: requireCtx(c), id: c.req.valid('param').id }), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/events/{id}/ticket',
      tags: ['events'],
      summary: "The event's PSA ticket, or whether one can be asked for (and why not in plain words)",
      ...guard('event.read'),
      request: { params: IdParam },
      responses: { 200: json(EventTicketSchema, 'The ticket state'), ...errorResponses },
    }),
    async (c) => c.json(await getEventTicketState({ ctx: requireCtx(c), id: c.req.valid('param').id }), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/events/{id}/ticket',
      tags: ['events'],
      summary: 'Create a ticket for the event in the connected PSA, through the outbox; asking again (a double click, a retry) never files a second one',
      ...guard('event.ticket'),
      request: { params: IdParam },
      responses: {
        200: json(EventTicketSchema, 'The event has a ticket already: it is returned'),
        202: json(EventTicketSchema, 'The ticket is requested: the outbox delivery and its state'),
        409: errorResponse('No PSA is connected'),
        422: errorResponse("The event's tenant is not mapped to a PSA company"),
        ...errorResponses,
      },
    }),
    async (c) => {
      const result = await requestEventTicket({ ctx: requireCtx(c), id: c.req.valid('param').id });
      return result.state === 'filed' ? c.json(result, 200) : c.json(result, 202);
    },
  );
