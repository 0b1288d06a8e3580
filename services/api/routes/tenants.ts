import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ACTIVITY_SOURCES, TENANT_AUTH_MODES, TENANT_STATUSES } from '../../../db/schema/index.ts';
import { createTenant } from '../../core/tenant/create-tenant.ts';
import { getTenant } from '../../core/tenant/get-tenant.ts';
import { listTenants } from '../../core/tenant/list-tenants.ts';
import { createTenantInput } from '../../core/tenant/tenant-input.ts';
import { verifyTenant } from '../../collector/verify-tenant.ts';
import { writeAudit } from '../../core/audit/write-audit.ts';
import { listQuarantine } from '../../core/tenant/list-quarantine.ts';
import { UnavailableError } from '../../errors.ts';
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

const VerifySchema = z
  .object({
    status: z.enum(['active', 'error']),
    signInErrors: z.array(z.object({ api: z.enum(['graph', 'manage', 'exchange']), message: z.string() })),
    granted: z.array(z.object({ api: z.enum(['graph', 'manage', 'exchange']), permission: z.string() })),
    missing: z.array(z.object({ api: z.enum(['graph', 'manage', 'exchange']), apiName: z.string(), permission: z.string(), without: z.string() })),
    subscriptions: z.array(z.object({ contentType: z.string(), status: z.enum(['enabled', 'failed']), webhook: z.boolean(), message: z.string().optional() })),
  })
  .openapi('TenantCheck');

const QuarantineSchema = z.object({ id: z.string(), source: z.enum(ACTIVITY_SOURCES), reason: z.string(), raw: z.string(), createdAt: z.string() }).openapi('QuarantinedRecord');

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
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/tenants/{id}/verify',
      tags: ['tenants'],
      summary: 'Check sign-in and granted permissions (what is missing, in plain words) and start the audit subscriptions',
      middleware: [allow('tenant.write')] as const,
      request: { params: IdParam },
      responses: { 200: json(VerifySchema, 'The check'), 503: errorResponse('Tenant checks are not available on this deployment'), ...errorResponses },
    }),
    async (c) => {
      const ctx = requireCtx(c);
      const { tokens, config, secrets } = c.get('deps');
      const found = await getTenant({ ctx, id: c.req.valid('param').id });
      if (!tokens) throw new UnavailableError('Tenant checks run on the Node deployment (they sign in to Microsoft); run `tenantwatch tenant verify` there.');
      const report = await verifyTenant({ db: ctx.db, config, tokens, secrets }, found.id);
      await writeAudit(ctx.db, ctx, 'tenant.verify', { type: 'tenant', id: found.id }, { status: report.status, missing: report.missing.map((m) => m.permission) });
      return c.json(report, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/tenants/{id}/quarantine',
      tags: ['tenants'],
      summary: 'Records that could not be read, with the reason, newest first',
      middleware: [allow('tenant.read')] as const,
      request: { params: IdParam, query: pageQuery },
      responses: { 200: json(page(QuarantineSchema), 'A page of quarantined records'), ...errorResponses },
    }),
    async (c) => {
      const ctx = requireCtx(c);
      const found = await getTenant({ ctx, id: c.req.valid('param').id });
      return c.json(await listQuarantine({ ctx, tenantId: found.id, input: c.req.valid('query') }), 200);
    },
  );
