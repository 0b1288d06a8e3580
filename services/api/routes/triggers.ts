import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { DELIVERY_STATUSES, RISK_BANDS_ORDER, TRIGGER_ACTION_KINDS, TRIGGER_DELIVERY_MODES, TRIGGER_KINDS } from '../../../db/schema/index.ts';
import { cloneTrigger } from '../../core/trigger/clone-trigger.ts';
import { createTrigger } from '../../core/trigger/create-trigger.ts';
import { deleteTrigger } from '../../core/trigger/delete-trigger.ts';
import { listDeliveries } from '../../core/trigger/list-deliveries.ts';
import { getTrigger, listTriggers } from '../../core/trigger/list-triggers.ts';
import { testTrigger } from '../../core/trigger/test-trigger.ts';
import { createTriggerInput, updateTriggerInput } from '../../core/trigger/trigger-input.ts';
import { updateTrigger } from '../../core/trigger/update-trigger.ts';
import { READY_MADE_CONDITIONS } from '../../notify/defaults.ts';
import { MESSAGE_ONLY_FIELDS } from '../../notify/event-lookup.ts';
import { guard, requireCtx } from '../auth/middleware.ts';
import { errorResponses, IdParam, json, jsonBody, page, pageQuery } from '../schemas.ts';
import type { AppEnv } from '../types.ts';

const ActionSchema = z.object({
  id: z.string(),
  kind: z.enum(TRIGGER_ACTION_KINDS),
  settings: z.record(z.string(), z.unknown()).openapi({ description: "The channel's settings; a web request's signing secret is never shown" }),
  hasSecret: z.boolean(),
});

const TriggerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z
      .enum(TRIGGER_KINDS)
      .openapi({ description: "event: each new event that matches the condition; score: a user's risk score enters a band; schedule: a cron schedule" }),
    condition: z.string().openapi({ example: "Event.EventType = 'LoginAttempt' AND Event.OperationResult = 'LockedOut'" }),
    description: z.string().nullable().openapi({ description: 'What sets the trigger off, in plain words' }),
    scoreBand: z.enum(RISK_BANDS_ORDER).nullable().openapi({ description: 'score: the band (or above) the risk score must enter' }),
    cron: z.string().nullable().openapi({ description: 'schedule: the cron expression', example: '0 7 * * 1' }),
    timeZone: z.string().nullable().openapi({ description: 'schedule: the time zone of the cron expression' }),
    nextRunAt: z.string().nullable().openapi({ description: 'schedule: the next due time' }),
    lastRunAt: z.string().nullable().openapi({ description: 'schedule: the due time of the last run' }),
    enabled: z.boolean(),
    tenantIds: z.array(z.string()).nullable().openapi({ description: "With tenantGroupIds null too: every tenant, and Tenantwatch's own sign-in events" }),
    tenants: z.array(z.object({ id: z.string(), name: z.string().nullable() })),
    tenantGroupIds: z
      .array(z.string())
      .nullable()
      .openapi({ description: 'Tenant groups whose members (at the time of each event) the trigger covers, besides tenantIds' }),
    tenantGroups: z.array(z.object({ id: z.string(), name: z.string().nullable() })),
    deliveryMode: z.enum(TRIGGER_DELIVERY_MODES),
    gatherMinutes: z.number(),
    builtinKey: z.string().nullable().openapi({ description: 'Set on the pre-built triggers' }),
    actions: z.array(ActionSchema),
    deliveries: z.object({ delivered: z.number(), pending: z.number(), failed: z.number(), dead: z.number(), lastAt: z.string().nullable() }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Trigger');

const DeliverySchema = z
  .object({
    id: z.string(),
    triggerId: z.string().nullable(),
    triggerName: z.string().nullable(),
    kind: z.enum(TRIGGER_ACTION_KINDS),
    status: z.enum(DELIVERY_STATUSES),
    isTest: z.boolean(),
    eventId: z.string().nullable(),
    productEventId: z.string().nullable(),
    destination: z.string(),
    attempts: z.number(),
    lastError: z.string().nullable(),
    response: z.string().nullable(),
    gathered: z.boolean(),
    createdAt: z.string(),
    nextAttemptAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
  })
  .openapi('Delivery');

const ActionInputSchema = z.object({ kind: z.enum(TRIGGER_ACTION_KINDS), settings: z.record(z.string(), z.unknown()) });

export const triggerRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/triggers',
      tags: ['triggers'],
      summary: "The MSP's triggers, by name, with how their deliveries went",
      ...guard('trigger.read'),
      responses: { 200: json(page(TriggerSchema), 'Triggers'), ...errorResponses },
    }),
    async (c) => c.json(await listTriggers({ ctx: requireCtx(c) }), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/triggers',
      tags: ['triggers'],
      summary:
        "Create a trigger: IF a condition in the filter language matches a new event (kind event), a user's risk score enters a band (score) or a cron schedule is due (schedule), THEN one or more actions",
      ...guard('trigger.write'),
      request: jsonBody(createTriggerInput.extend({ actions: z.array(ActionInputSchema).min(1).max(10) }).openapi('CreateTrigger')),
      responses: { 201: json(TriggerSchema, 'Created'), ...errorResponses },
    }),
    async (c) => c.json(await createTrigger({ ctx: requireCtx(c), input: c.req.valid('json') }), 201),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/triggers/ready-made',
      tags: ['triggers'],
      summary: "Ready-made conditions for the editor's menu, and the placeholders messages have beyond the filter language's fields",
      ...guard('trigger.read'),
      responses: {
        200: json(
          z.object({
            conditions: z.array(z.object({ label: z.string(), condition: z.string() })),
            messageFields: z.array(z.object({ name: z.string(), description: z.string() })),
          }),
          'Conditions',
        ),
        ...errorResponses,
      },
    }),
    (c) => c.json({ conditions: [...READY_MADE_CONDITIONS], messageFields: MESSAGE_ONLY_FIELDS.map((f) => ({ ...f })) }, 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/triggers/{id}',
      tags: ['triggers'],
      summary: 'One trigger',
      ...guard('trigger.read'),
      request: { params: IdParam },
      responses: { 200: json(TriggerSchema, 'The trigger'), ...errorResponses },
    }),
    async (c) => c.json(await getTrigger({ ctx: requireCtx(c), id: c.req.valid('param').id }), 200),
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/triggers/{id}',
      tags: ['triggers'],
      summary: 'Change a trigger; the fields given change, actions replace the list (a web request without a secret keeps its secret)',
      ...guard('trigger.write'),
      request: {
        params: IdParam,
        body: {
          content: {
            'application/json': {
              schema: updateTriggerInput.extend({ actions: z.array(ActionInputSchema).min(1).max(10).optional() }).openapi('UpdateTrigger'),
            },
          },
          required: false,
        },
      },
      responses: { 200: json(TriggerSchema, 'The trigger'), ...errorResponses },
    }),
    async (c) => c.json(await updateTrigger({ ctx: requireCtx(c), id: c.req.valid('param').id, input: c.req.valid('json') }), 200),
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/triggers/{id}',
      tags: ['triggers'],
      summary: 'Delete a trigger; its delivery history stays',
      ...guard('trigger.write'),
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses },
    }),
    async (c) => {
      await deleteTrigger({ ctx: requireCtx(c), id: c.req.valid('param').id });
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/triggers/{id}/clone',
      tags: ['triggers'],
      summary: 'Copy a trigger with its actions; the copy is off until enabled',
      ...guard('trigger.write'),
      request: { params: IdParam },
      responses: { 201: json(TriggerSchema, 'The copy'), ...errorResponses },
    }),
    async (c) => c.json(await cloneTrigger({ ctx: requireCtx(c), id: c.req.valid('param').id }), 201),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/triggers/{id}/test',
      tags: ['triggers'],
      summary: 'Send test: each action sends one message now, with the newest event the condition matches (or example values)',
      ...guard('trigger.write'),
      request: { params: IdParam },
      responses: {
        202: json(z.object({ eventId: z.string().nullable(), deliveryIds: z.array(z.string()) }), 'Queued; follow the deliveries'),
        ...errorResponses,
      },
    }),
    async (c) => c.json(await testTrigger({ ctx: requireCtx(c), id: c.req.valid('param').id }), 202),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/deliveries',
      tags: ['triggers'],
      summary: 'Delivery history, newest first: per event, per trigger, or by status; failed ones carry their last error',
      ...guard('trigger.read'),
      request: {
        query: pageQuery.extend({
          event: z.uuid().optional().openapi({ description: 'Deliveries for this event' }),
          trigger: z.uuid().optional().openapi({ description: 'Deliveries of this trigger' }),
          status: z.enum(DELIVERY_STATUSES).optional(),
        }),
      },
      responses: { 200: json(page(DeliverySchema), 'A page of deliveries'), ...errorResponses },
    }),
    async (c) => c.json(await listDeliveries({ ctx: requireCtx(c), input: c.req.valid('query') }), 200),
  );
