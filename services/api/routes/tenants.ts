import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ACTIVITY_SOURCES, TENANT_AUTH_MODES, TENANT_STATUSES } from '../../../db/schema/index.ts';
import { createTenant } from '../../core/tenant/create-tenant.ts';
import { getTenant } from '../../core/tenant/get-tenant.ts';
import { listTenants } from '../../core/tenant/list-tenants.ts';
import { createTenantInput } from '../../core/tenant/tenant-input.ts';
import { allow, requireCtx } from '../auth/middleware.ts';
import { errorResponse, errorResponses, IdParam, json, jsonBody, page, pageQuery } from '../schemas.ts';
import type { AppEnv } from '../types.ts';

const TenantSchema = z
  .object({
    id: z.string(),
    tenantGuid: z.string(),
    name: z.string(),
    primaryDomain: z.string(),
    authMode: z.enum(TENANT_AUTH_MODES),
    clientId: z.string().nullable(),
    hasCredentials: z.boolean(),
    status: z.enum(TENANT_STATUSES),
    isDemo: z.boolean(),
    createdAt: z.string(),
    collectors: z.array(
      z.object({
        source: z.enum(ACTIVITY_SOURCES),
        lastSuccessAt: z.string().nullable(),
        lastAttemptAt: z.string().nullable(),
        lagSeconds: z.number().nullable(),
        lastError: z.string().nullable(),
        lastErrorAt: z.string().nullable(),
        consecutiveFailures: z.number(),
      }),
    ),
  })
  .openapi('Tenant');

export const tenantRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/tenants',
      tags: ['tenants'],
      summary: 'List the MSP\'s tenants',
      middleware: [allow('tenant.read')] as const,
      request: { query: pageQuery },
      responses: { 200: json(page(TenantSchema), 'A page of tenants'), ...errorResponses },
    }),
    async (c) => c.json(await listTenants({ ctx: requireCtx(c), input: c.req.valid('query') }), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/tenants',
      tags: ['tenants'],
      summary: 'Add a Microsoft 365 tenant',
      middleware: [allow('tenant.write')] as const,
      request: jsonBody(createTenantInput),
      responses: { 201: json(TenantSchema, 'Added'), 409: errorResponse('This tenant is already added'), ...errorResponses },
    }),
    async (c) => c.json(await createTenant({ ctx: requireCtx(c), input: c.req.valid('json') }), 201),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/tenants/{id}',
      tags: ['tenants'],
      summary: 'One tenant with collector status per source',
      middleware: [allow('tenant.read')] as const,
      request: { params: IdParam },
      responses: { 200: json(TenantSchema, 'The tenant'), ...errorResponses },
    }),
    async (c) => c.json(await getTenant({ ctx: requireCtx(c), id: c.req.valid('param').id }), 200),
  );
