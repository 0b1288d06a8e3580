import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { PSA_KINDS } from '../../../db/schema/index.ts';
import { createTestTicket, createTestTicketInput } from '../../core/psa/create-test-ticket.ts';
import { getPsaConnection } from '../../core/psa/get-psa-connection.ts';
import { listPsaOptions } from '../../core/psa/list-psa-options.ts';
import { listPsaTickets } from '../../core/psa/list-psa-tickets.ts';
import { previewPsaTicket, previewPsaTicketInput } from '../../core/psa/preview-psa-ticket.ts';
import { savePsaConnection, savePsaConnectionInput } from '../../core/psa/save-psa-connection.ts';
import { suggestPsaCompanies } from '../../core/psa/suggest-psa-companies.ts';
import { testPsaConnection, testPsaConnectionInput } from '../../core/psa/test-psa-connection.ts';
import { PSA_ERROR_REASONS } from '../../psa/types.ts';
import { guard, requireCtx } from '../auth/middleware.ts';
import { errorResponse, errorResponses, json, page, pageQuery } from '../schemas.ts';
import type { AppEnv } from '../types.ts';

const KindParam = z.object({ kind: z.enum(PSA_KINDS).openapi({ param: { name: 'kind', in: 'path' }, example: 'connectwise' }) });
const ListParam = KindParam.extend({
  list: z
    .string()
    .max(40)
    .openapi({ param: { name: 'list', in: 'path' }, example: 'boards' }),
});
const upstream = {
  422: errorResponse('The PSA refused the request (its words are in the message)'),
  503: errorResponse('The PSA cannot be reached or is throttling; try again later'),
} as const;
const optionalBody = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: false } });

const OptionSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    detail: z.string().optional(),
    parent: z.string().optional(),
    closed: z.boolean().optional(),
    isDefault: z.boolean().optional(),
  })
  .openapi('PsaOption');

const ConnectionSchema = z
  .object({
    kind: z.enum(PSA_KINDS),
    label: z.string(),
    configured: z.boolean(),
    enabled: z.boolean(),
    isDemo: z.boolean(),
    connection: z.record(z.string(), z.unknown()).nullable().openapi({ description: 'Non-secret settings; keys are never returned' }),
    hasCredentials: z.boolean(),
    templates: z.object({ summary: z.string(), description: z.string() }),
    operations: z.object({
      ticketFloodLimit: z.number(),
      ticketFloodInterval: z.number(),
      consolidationInterval: z.number(),
      updateTicketOnRepetitiveAlerts: z.boolean(),
      updateInterval: z.number(),
      reopenTicketOnRepetitiveAlerts: z.boolean(),
      reopenClosedStatuses: z.array(z.string()),
      reopenStatusId: z.string(),
      enableTicketCorrelation: z.boolean(),
      correlationInterval: z.number(),
      displayOnlyFirstActivityRecord: z.boolean(),
      ignoreUploadAttachmentError: z.boolean(),
      resolveEventOnTicketClose: z.boolean(),
      emergencyContacts: z.array(z.string()),
      emergencyAfterSeconds: z.number(),
    }),
    operationsHelp: z.record(z.string(), z.string()),
    summaryLimit: z.number(),
    routingLists: z.array(z.object({ list: z.string(), label: z.string(), required: z.boolean(), parentList: z.string().optional() })),
    lastTest: z.object({ at: z.string(), ok: z.boolean(), message: z.string() }).nullable(),
    mappings: z.array(
      z.object({
        tenantId: z.string(),
        tenantName: z.string(),
        primaryDomain: z.string(),
        companyId: z.string(),
        companyName: z.string(),
        routing: z.record(z.string(), z.string()),
        confirmedAt: z.string(),
      }),
    ),
  })
  .openapi('PsaConnection');

const TestResultSchema = z
  .object({ ok: z.boolean(), reason: z.enum(PSA_ERROR_REASONS).optional(), message: z.string(), at: z.string() })
  .openapi('PsaTestResult');

const TicketSchema = z
  .object({
    id: z.string(),
    kind: z.enum(PSA_KINDS).nullable(),
    number: z.string().nullable(),
    url: z.string().nullable(),
    status: z.string().nullable().openapi({ description: 'As last read from the PSA' }),
    closed: z.boolean(),
    statusReadAt: z.string().nullable(),
    tenantId: z.string().nullable(),
    tenantName: z.string().nullable(),
    eventId: z.string().nullable(),
    eventCount: z.number(),
    pendingCount: z.number(),
    isFlood: z.boolean(),
    isTest: z.boolean(),
    failedAttachments: z.array(z.object({ fileName: z.string(), eventId: z.string().nullable(), error: z.string(), at: z.string() })),
    createdAt: z.string(),
  })
  .openapi('PsaTicket');

export const psaRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/psa/tickets',
      tags: ['psa'],
      summary: 'Tickets Tenantwatch filed in the PSA, newest first; `eventId` gives the ticket(s) of one event',
      ...guard('event.read'),
      request: { query: pageQuery.extend({ eventId: z.uuid().optional() }) },
      responses: { 200: json(page(TicketSchema), 'A page of tickets'), ...errorResponses },
    }),
    async (c) => c.json(await listPsaTickets({ ctx: requireCtx(c), input: c.req.valid('query') }), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/psa/{kind}',
      tags: ['psa'],
      summary: 'The connection to ConnectWise Manage or Autotask: settings (no keys), templates, operational settings with their meaning, tenant mappings',
      ...guard('psa.read'),
      request: { params: KindParam },
      responses: { 200: json(ConnectionSchema, 'The connection'), ...errorResponses },
    }),
    async (c) => c.json(await getPsaConnection({ ctx: requireCtx(c), kind: c.req.valid('param').kind }), 200),
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/psa/{kind}',
      tags: ['psa'],
      summary: 'Connect or change: settings, keys (sealed, omitted keeps them), templates, operational settings, tenant mappings (full list)',
      ...guard('psa.write'),
      request: {
        params: KindParam,
        body: { content: { 'application/json': { schema: savePsaConnectionInput.openapi('SavePsaConnection') } }, required: true },
      },
      responses: { 200: json(ConnectionSchema, 'The connection'), ...errorResponses },
    }),
    async (c) => c.json(await savePsaConnection({ ctx: requireCtx(c), kind: c.req.valid('param').kind, input: c.req.valid('json') }), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/psa/{kind}/test-connection',
      tags: ['psa'],
      summary: 'Try the stored connection (or the settings in the body) and say in plain words what is wrong',
      ...guard('psa.write'),
      request: { params: KindParam, ...optionalBody(testPsaConnectionInput.openapi('TestPsaConnection')) },
      responses: { 200: json(TestResultSchema, 'The result; ok false carries the reason'), ...errorResponses },
    }),
    async (c) => c.json(await testPsaConnection({ ctx: requireCtx(c), kind: c.req.valid('param').kind, input: await c.req.json().catch(() => ({})) }), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/psa/{kind}/test-ticket',
      tags: ['psa'],
      summary: 'Create "[Tenantwatch] Test Alert" for a mapped tenant, with the attachment TestAttachment.txt',
      ...guard('psa.write'),
      request: { params: KindParam, ...optionalBody(createTestTicketInput.openapi('CreateTestTicket')) },
      responses: {
        201: json(
          z
            .object({
              id: z.string(),
              number: z.string(),
              url: z.string(),
              summary: z.string(),
              attachment: z.object({ ok: z.boolean(), message: z.string() }),
            })
            .openapi('PsaTestTicket'),
          'The ticket in the PSA',
        ),
        ...errorResponses,
        ...upstream,
      },
    }),
    async (c) => c.json(await createTestTicket({ ctx: requireCtx(c), kind: c.req.valid('param').kind, input: await c.req.json().catch(() => ({})) }), 201),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/psa/{kind}/lists/{list}',
      tags: ['psa'],
      summary:
        "The PSA's own choices, read live: companies, boards, teams, priorities, statuses, severity, impact (ConnectWise); companies, queues, priorities, statuses, issueTypes, subIssueTypes, sources (Autotask)",
      ...guard('psa.read'),
      request: { params: ListParam, query: z.object({ parent: z.string().max(100).optional() }) },
      responses: { 200: json(z.object({ items: z.array(OptionSchema) }), 'The options'), ...errorResponses, ...upstream },
    }),
    async (c) => {
      const { kind, list } = c.req.valid('param');
      return c.json(await listPsaOptions({ ctx: requireCtx(c), kind, list, input: c.req.valid('query') }), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/psa/{kind}/company-suggestions',
      tags: ['psa'],
      summary:
        "For each tenant, the PSA company whose website or name matches its domain or name (a suggestion for a person to confirm), and the PSA's companies",
      ...guard('psa.read'),
      request: { params: KindParam },
      responses: {
        200: json(
          z.object({
            companies: z.array(OptionSchema),
            items: z.array(
              z.object({
                tenantId: z.string(),
                tenantName: z.string(),
                primaryDomain: z.string(),
                isDemo: z.boolean(),
                suggestion: z.object({ companyId: z.string(), companyName: z.string(), why: z.enum(['domain', 'name']) }).nullable(),
              }),
            ),
          }),
          'Suggestions',
        ),
        ...errorResponses,
        ...upstream,
      },
    }),
    async (c) => c.json(await suggestPsaCompanies({ ctx: requireCtx(c), kind: c.req.valid('param').kind }), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/psa/{kind}/preview',
      tags: ['psa'],
      summary: 'The summary and description a ticket would get for a real event, with the given (unsaved) templates',
      ...guard('psa.read'),
      request: { params: KindParam, ...optionalBody(previewPsaTicketInput.openapi('PreviewPsaTicket')) },
      responses: {
        200: json(z.object({ eventId: z.string(), eventTitle: z.string(), summary: z.string(), description: z.string() }), 'The rendered ticket'),
        ...errorResponses,
      },
    }),
    async (c) =>
      c.json(
        await previewPsaTicket({
          ctx: requireCtx(c),
          kind: c.req.valid('param').kind,
          publicUrl: c.get('deps').config.publicUrl,
          input: await c.req.json().catch(() => ({})),
        }),
        200,
      ),
  );
