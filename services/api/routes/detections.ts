import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { SEVERITIES } from '../../../db/schema/index.ts';
import { checkFilter, fieldReference } from '../../language/index.ts';
import { RULES } from '../../detection/registry.ts';
import { guard } from '../auth/middleware.ts';
import { errorResponses, json, jsonBody } from '../schemas.ts';
import type { AppEnv } from '../types.ts';

const DetectionSchema = z
  .object({
    id: z.string().openapi({ example: 'M365.Exchange.InboxRuleExternalForwarding' }),
    title: z.string(),
    severity: z.enum(SEVERITIES),
    mitre: z.array(z.string()),
    description: z.string(),
    howToReact: z.string(),
    remediations: z.record(z.string(), z.array(z.string())),
  })
  .openapi('Detection');

const FieldSchema = z
  .object({
    name: z.string().openapi({ example: 'IP.CountryCode' }),
    type: z.string(),
    description: z.string(),
    examples: z.array(z.union([z.string(), z.number(), z.boolean()])),
    values: z.array(z.string()).optional(),
    ordered: z.boolean().optional(),
    multiValued: z.boolean(),
    storedIn: z.string(),
    overActivity: z.boolean().openapi({ description: 'Readable in custom detections, which run over single activity records' }),
  })
  .openapi('FilterField');

const CheckResultSchema = z
  .object({
    ok: z.boolean(),
    errors: z.array(
      z.object({
        code: z.string(),
        message: z.string().openapi({ example: "expected a value after '=', found 'AND' at 1:19" }),
        line: z.number(),
        column: z.number(),
        offset: z.number(),
        length: z.number(),
        expected: z.array(z.string()),
        suggestion: z.string().optional(),
        excerpt: z.string(),
      }),
    ),
  })
  .openapi('FilterCheck');

/** The built-in detections and the filter language's reference, for the editors. */
export const detectionRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/detections',
      tags: ['rules'],
      summary: 'The built-in detections: what each looks for, its severity, MITRE techniques and how to react',
      ...guard('detection.read'),
      responses: { 200: json(z.object({ items: z.array(DetectionSchema), nextCursor: z.null() }), 'Detections'), ...errorResponses },
    }),
    (c) =>
      c.json(
        {
          items: RULES.map((r) => ({
            id: r.id,
            title: r.title,
            severity: r.severity,
            mitre: [...r.mitre],
            description: r.description,
            howToReact: r.howToReact,
            remediations: Object.fromEntries(Object.entries(r.remediations).map(([kind, actions]) => [kind, [...(actions ?? [])]])),
          })),
          nextCursor: null,
        },
        200,
      ),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/language/fields',
      tags: ['language'],
      summary: 'Every field of the filter language, for autocomplete',
      ...guard('detection.read'),
      responses: { 200: json(z.object({ items: z.array(FieldSchema) }), 'Fields'), ...errorResponses },
    }),
    (c) => c.json({ items: fieldReference() }, 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/language/check',
      tags: ['language'],
      summary: 'Check an expression: parse and type errors with their position, for inline errors in the editor',
      ...guard('detection.read'),
      request: jsonBody(z.object({ expression: z.string().max(10_000) })),
      responses: { 200: json(CheckResultSchema, 'The check (ok, or the errors)'), ...errorResponses },
    }),
    (c) => c.json(checkFilter(c.req.valid('json').expression), 200),
  );
