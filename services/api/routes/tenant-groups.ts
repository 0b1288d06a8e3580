import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { createTenantGroup } from '../../core/tenant-group/create-tenant-group.ts';
import { deleteTenantGroup } from '../../core/tenant-group/delete-tenant-group.ts';
import { getTenantGroup, listTenantGroups } from '../../core/tenant-group/list-tenant-groups.ts';
import { createTenantGroupInput, updateTenantGroupInput } from '../../core/tenant-group/tenant-group-view.ts';
import { updateTenantGroup } from '../../core/tenant-group/update-tenant-group.ts';
import { guard, requireCtx } from '../auth/middleware.ts';
import { errorResponses, IdParam, json, jsonBody, page } from '../schemas.ts';
import type { AppEnv } from '../types.ts';

// The verbs' input schemas are wrapped here, so they describe themselves in the document whichever
// module loaded them first.
const Named = z.object({ id: z.string(), name: z.string() });

const TenantGroupSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    tenants: z.array(Named).openapi({ description: 'The member tenants, by name' }),
    triggers: z.array(Named).openapi({ description: 'Triggers whose scope names this group' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('TenantGroup');

export const tenantGroupRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/tenant-groups',
      tags: ['tenants'],
      summary: "The MSP's tenant groups by name, with their members and the triggers scoped to them",
      ...guard('tenant-group.read'),
      responses: { 200: json(page(TenantGroupSchema), 'Tenant groups'), ...errorResponses },
    }),
    async (c) => c.json(await listTenantGroups({ ctx: requireCtx(c) }), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/tenant-groups',
      tags: ['tenants'],
      summary: 'Create a tenant group (name unique in the MSP), optionally with its member tenants',
      ...guard('tenant-group.write'),
      request: jsonBody(z.object(createTenantGroupInput.shape).openapi('CreateTenantGroup')),
      responses: { 201: json(TenantGroupSchema, 'Created'), ...errorResponses },
    }),
    async (c) => c.json(await createTenantGroup({ ctx: requireCtx(c), input: c.req.valid('json') }), 201),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/tenant-groups/{id}',
      tags: ['tenants'],
      summary: 'One tenant group',
      ...guard('tenant-group.read'),
      request: { params: IdParam },
      responses: { 200: json(TenantGroupSchema, 'The group'), ...errorResponses },
    }),
    async (c) => c.json(await getTenantGroup({ ctx: requireCtx(c), id: c.req.valid('param').id }), 200),
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/tenant-groups/{id}',
      tags: ['tenants'],
      summary: 'Rename a group, change its description or set its members (tenantIds replaces the list); the fields given change',
      ...guard('tenant-group.write'),
      request: {
        params: IdParam,
        body: { content: { 'application/json': { schema: z.object(updateTenantGroupInput.shape).openapi('UpdateTenantGroup') } }, required: false },
      },
      responses: { 200: json(TenantGroupSchema, 'The group'), ...errorResponses },
    }),
    async (c) => c.json(await updateTenantGroup({ ctx: requireCtx(c), id: c.req.valid('param').id, input: c.req.valid('json') }), 200),
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/tenant-groups/{id}',
      tags: ['tenants'],
      summary: 'Delete a tenant group; refused (409, naming them) while a trigger is scoped to it',
      ...guard('tenant-group.write'),
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses },
    }),
    async (c) => {
      await deleteTenantGroup({ ctx: requireCtx(c), id: c.req.valid('param').id });
      return c.body(null, 204);
    },
  );
