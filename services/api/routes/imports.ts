import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { IMPORT_STATUSES } from '../../../db/schema/index.ts';
import { getImport } from '../../core/import/get-import.ts';
import { listImports } from '../../core/import/list-imports.ts';
import { UnavailableError } from '../../errors.ts';
import { guard, requireCtx } from '../auth/middleware.ts';
import { errorResponse, errorResponses, IdParam, json, page, pageQuery } from '../schemas.ts';
import type { AppEnv } from '../types.ts';

const ImportSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    tenantName: z.string(),
    fileName: z.string().openapi({ description: 'The name the file was uploaded under' }),
    sizeBytes: z.number(),
    status: z.enum(IMPORT_STATUSES).openapi({ description: 'queued: file received; running; done: summary below; failed: see `error`' }),
    startedBy: z.string().nullable().openapi({ description: 'Email of the user who started it (null: the command line)' }),
    format: z.string().nullable().openapi({ example: 'purview-csv' }),
    encoding: z.string().nullable().openapi({ example: 'utf-16le' }),
    bytesRead: z.number(),
    recordsRead: z.number(),
    recordsPerSecond: z.number(),
    imported: z.number(),
    duplicates: z.number().openapi({ description: 'Records already stored, skipped' }),
    quarantined: z.number(),
    quarantine: z
      .array(z.object({ at: z.object({ unit: z.enum(['line', 'record']), number: z.number() }), reason: z.string() }))
      .openapi({ description: 'The first quarantined items with their line (CSV, JSON lines) or record number (JSON) and reason' }),
    unread: z
      .string()
      .nullable()
      .openapi({ description: 'Why the rest of the file could not be read (a cut or corrupt file); null when it was read to the end' }),
    detected: z.number().openapi({ description: 'Records through detection' }),
    eventsCreated: z.number(),
    eventsUpdated: z.number(),
    eventIds: z.array(z.string()).openapi({ description: 'The events it raised or updated (at most 1000)' }),
    error: z.string().nullable(),
    complete: z.boolean().openapi({ description: 'Done, with nothing quarantined or unread' }),
    summaryLines: z.array(z.string()).openapi({ description: 'The summary as `tenantwatch import` prints it (once done)' }),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .openapi('Import');

const UploadQuery = z.object({
  fileName: z.string().max(1000).openapi({ description: "The file's name, for the summary and the list", example: 'audit-2026-11.csv' }),
});

/** Audit-file imports: upload an export for a tenant, then follow the run. */
export const importRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'post',
      path: '/tenants/{id}/imports',
      tags: ['imports'],
      summary:
        'Import an audit export (Purview audit search CSV, Search-UnifiedAuditLog JSON, Entra ID sign-in and audit logs from Graph, Log Analytics, Sentinel, an event hub or a storage account, Graph security alerts; JSON or JSON lines) into a tenant: the file is the request body; answers 202 at once and the import runs in the background (follow GET /imports/{id})',
      description:
        'The body is the file itself (any content type; `application/octet-stream` is fine), up to TW_IMPORT_MAX_BYTES (1 GiB by default; 413 beyond). The records go through the detections like collected ones; importing the same file again imports nothing new. Technicians and up.',
      ...guard('import.run'),
      request: {
        params: IdParam,
        query: UploadQuery,
        body: { content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } }, required: true },
      },
      responses: {
        202: json(ImportSchema, 'Received; the import is queued'),
        ...errorResponses,
        413: errorResponse('The file is larger than TW_IMPORT_MAX_BYTES'),
        503: errorResponse('Imports run on the Node deployment only'),
      },
    }),
    async (c) => {
      const { imports } = c.get('deps');
      if (!imports) throw new UnavailableError('Imports run on the Node deployment (they need a disk for the file); use `tenantwatch import` there.');
      const ctx = requireCtx(c);
      const length = c.req.header('content-length');
      const { id } = await imports.accept(
        ctx,
        { tenantId: c.req.valid('param').id, fileName: c.req.valid('query').fileName },
        c.req.raw.body,
        length ? Number(length) : undefined,
      );
      return c.json(await getImport({ ctx, id }), 202);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/imports',
      tags: ['imports'],
      summary: "The MSP's imports, newest first, with their progress or summary",
      ...guard('import.read'),
      request: { query: pageQuery.extend({ tenant: z.string().optional().openapi({ description: 'Only this tenant id' }) }) },
      responses: { 200: json(page(ImportSchema), 'A page of imports'), ...errorResponses },
    }),
    async (c) => {
      const { tenant, ...pageInput } = c.req.valid('query');
      return c.json(await listImports({ ctx: requireCtx(c), input: { ...pageInput, tenantId: tenant } }), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/imports/{id}',
      tags: ['imports'],
      summary: 'One import: progress while it runs (bytes and records read, records per second), then the summary `tenantwatch import` prints',
      ...guard('import.read'),
      request: { params: IdParam },
      responses: { 200: json(ImportSchema, 'The import'), ...errorResponses },
    }),
    async (c) => c.json(await getImport({ ctx: requireCtx(c), id: c.req.valid('param').id }), 200),
  );
