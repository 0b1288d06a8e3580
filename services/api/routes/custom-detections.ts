import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ACTIVITY_SOURCES, CUSTOM_DETECTION_DEDUP, SEVERITIES } from '../../../db/schema/index.ts';
import { createCustomDetection } from '../../core/custom-detection/create-custom-detection.ts';
import { createCustomDetectionInput, updateCustomDetectionInput } from '../../core/custom-detection/custom-detection-input.ts';
import { deleteCustomDetection } from '../../core/custom-detection/delete-custom-detection.ts';
import { getCustomDetection } from '../../core/custom-detection/get-custom-detection.ts';
import { listCustomDetections } from '../../core/custom-detection/list-custom-detections.ts';
import { testCustomDetection, testExpressionInput } from '../../core/custom-detection/test-expression.ts';
import { updateCustomDetection } from '../../core/custom-detection/update-custom-detection.ts';
import { guard, requireCtx } from '../auth/middleware.ts';
import { errorResponses, IdParam, json, jsonBody, page, pageQuery } from '../schemas.ts';
import type { AppEnv } from '../types.ts';

const CustomDetectionSchema = z
  .object({
    id: z.string(),
    detectionId: z
      .string()
      .openapi({ description: 'What its events carry as Event.Detection: `custom.<id>`', example: 'custom.5f0c3a4e-2b1d-4c55-9a43-0d6b7f1a2c3e' }),
    tenantId: z.string().nullable().openapi({ description: 'Null: runs for every tenant of the MSP' }),
    title: z.string(),
    description: z.string(),
    expression: z.string().openapi({ example: "Event.EventType = 'LoginAttempt' AND Event.OperationResult = 'LockedOut'" }),
    severity: z.enum(SEVERITIES),
    mitre: z.array(z.string()),
    howToReact: z.string(),
    dedupMinutes: z.number(),
    dedupBy: z.enum(CUSTOM_DETECTION_DEDUP),
    enabled: z.boolean(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('CustomDetection');

const TestResultSchema = z
  .object({
    tenant: z.object({ id: z.string(), name: z.string() }),
    from: z.string(),
    to: z.string(),
    scanned: z.number().openapi({ description: 'Activity records read' }),
    complete: z.boolean().openapi({ description: 'False when the stretch held more records than one test reads' }),
    truncated: z.boolean().openapi({ description: 'More records matched than `limit`' }),
    items: z.array(
      z.object({
        activityId: z.string(),
        occurredAt: z.string(),
        source: z.enum(ACTIVITY_SOURCES),
        workload: z.string(),
        operation: z.string(),
        eventType: z.string().nullable(),
        operationResult: z.string().nullable(),
        userName: z.string().nullable(),
        networkAddress: z.string().nullable(),
      }),
    ),
  })
  .openapi('CustomDetectionTest');

const ListQuery = pageQuery.extend({
  tenant: z.string().optional().openapi({ description: 'Only those that run for this tenant id (its own and those for every tenant)' }),
});

/** An MSP's own detections: expressions over activity, with title, severity and runbook. */
export const customDetectionRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/custom-detections',
      tags: ['rules'],
      summary: "The MSP's custom detections, by title",
      ...guard('detection.read'),
      request: { query: ListQuery },
      responses: { 200: json(page(CustomDetectionSchema), 'A page of custom detections'), ...errorResponses },
    }),
    async (c) => {
      const { tenant, ...pageInput } = c.req.valid('query');
      return c.json(await listCustomDetections({ ctx: requireCtx(c), input: { ...pageInput, tenantId: tenant } }), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/custom-detections',
      tags: ['rules'],
      summary: 'Add a custom detection for one tenant or all; expression errors answer 400 with their line and column',
      ...guard('custom-detection.write'),
      request: jsonBody(createCustomDetectionInput),
      responses: { 201: json(CustomDetectionSchema, 'Added'), ...errorResponses },
    }),
    async (c) => c.json(await createCustomDetection({ ctx: requireCtx(c), input: c.req.valid('json') }), 201),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/custom-detections/test',
      tags: ['rules'],
      summary: "What an expression would match in a tenant's recent activity (nothing is stored)",
      ...guard('detection.read'),
      request: jsonBody(testExpressionInput),
      responses: { 200: json(TestResultSchema, 'The matching activity records, newest first'), ...errorResponses },
    }),
    async (c) => c.json(await testCustomDetection({ ctx: requireCtx(c), input: c.req.valid('json') }), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/custom-detections/{id}',
      tags: ['rules'],
      summary: 'One custom detection',
      ...guard('detection.read'),
      request: { params: IdParam },
      responses: { 200: json(CustomDetectionSchema, 'The custom detection'), ...errorResponses },
    }),
    async (c) => c.json(await getCustomDetection({ ctx: requireCtx(c), id: c.req.valid('param').id }), 200),
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/custom-detections/{id}',
      tags: ['rules'],
      summary: 'Change a custom detection (also `{"enabled": false}` to turn it off); fields left out stay as they are',
      ...guard('custom-detection.write'),
      request: { params: IdParam, ...jsonBody(updateCustomDetectionInput) },
      responses: { 200: json(CustomDetectionSchema, 'Changed'), ...errorResponses },
    }),
    async (c) => c.json(await updateCustomDetection({ ctx: requireCtx(c), id: c.req.valid('param').id, input: c.req.valid('json') }), 200),
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/custom-detections/{id}',
      tags: ['rules'],
      summary: 'Remove a custom detection; the events it raised stay',
      ...guard('custom-detection.write'),
      request: { params: IdParam },
      responses: { 204: { description: 'Removed' }, ...errorResponses },
    }),
    async (c) => {
      await deleteCustomDetection({ ctx: requireCtx(c), id: c.req.valid('param').id });
      return c.body(null, 204);
    },
  );
