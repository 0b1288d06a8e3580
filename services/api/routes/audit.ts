import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ACTOR_TYPES } from '../../../db/schema/index.ts';
import { exportAuditCsv } from '../../core/audit/export-audit.ts';
import { listAudit } from '../../core/audit/list-audit.ts';
import { guard, requireCtx } from '../auth/middleware.ts';
import { errorResponses, json, page } from '../schemas.ts';
import type { AppEnv } from '../types.ts';

const AuditEntrySchema = z
  .object({
    id: z.string(),
    at: z.string().openapi({ description: 'When, UTC, to the microsecond' }),
    action: z.string().openapi({ example: 'tenant.create' }),
    actor: z.object({
      type: z.enum(ACTOR_TYPES).openapi({ description: 'user (the web app), token (an API token) or system (Tenantwatch itself, the command line)' }),
      userId: z.string().nullable(),
      email: z.string().nullable(),
      name: z.string().nullable(),
      token: z.string().nullable().openapi({ description: "The API token's name when the action came through one" }),
    }),
    target: z.object({ type: z.string(), id: z.string().nullable() }).nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
    ip: z.string().nullable().openapi({ description: 'The address the request came from' }),
  })
  .openapi('AuditEntry');

const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).optional().openapi({ example: 50 }),
  cursor: z.string().max(1000).optional().openapi({ description: 'Opaque; pass `nextCursor` from the previous page.' }),
  actor: z.string().optional().openapi({ description: 'A user id: their actions in the web app and with their API tokens' }),
  action: z.string().optional().openapi({ description: 'An action, or a family ending in a dot', example: 'tenant.' }),
  from: z.string().optional().openapi({ description: 'At or after (ISO 8601 date or date-time)', example: '2026-11-01' }),
  to: z.string().optional().openapi({ description: 'Before; a date alone includes that day', example: '2026-11-30' }),
});

export const auditRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/audit/export.csv',
      tags: ['audit'],
      summary: 'The audit log under the same filters as CSV, newest first (at most 50,000 rows; a last line says when more matched)',
      ...guard('audit.read'),
      request: { query: AuditQuery.omit({ limit: true, cursor: true }) },
      responses: { 200: { content: { 'text/csv': { schema: z.string() } }, description: 'CSV with a header row' }, ...errorResponses },
    }),
    async (c) => {
      const { csv } = await exportAuditCsv({ ctx: requireCtx(c), input: c.req.valid('query') });
      return c.body(csv, 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="tenantwatch-audit-log.csv"' });
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/audit',
      tags: ['audit'],
      summary: "The MSP's audit log, newest first: who did what, to which object, when and from which address (admins and owners)",
      ...guard('audit.read'),
      request: { query: AuditQuery },
      responses: { 200: json(page(AuditEntrySchema), 'A page of audit entries'), ...errorResponses },
    }),
    async (c) => c.json(await listAudit({ ctx: requireCtx(c), input: c.req.valid('query') }), 200),
  );
