import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { USER_ROLES } from '../../../db/schema/index.ts';
import { createApiToken, createApiTokenInput } from '../../core/api-token/create-api-token.ts';
import { ForbiddenError } from '../../errors.ts';
import { allow, requireCtx } from '../auth/middleware.ts';
import { errorResponses, json, jsonBody } from '../schemas.ts';
import type { AppEnv } from '../types.ts';

export const tokenRoutes = new OpenAPIHono<AppEnv>().openapi(
  createRoute({
    method: 'post',
    path: '/tokens',
    tags: ['tokens'],
    summary: 'Create an API token for yourself; the token is shown only in this answer',
    middleware: [allow('token.create')] as const,
    request: jsonBody(createApiTokenInput),
    responses: {
      201: json(
        z.object({ id: z.string(), name: z.string(), role: z.enum(USER_ROLES), prefix: z.string(), token: z.string(), createdAt: z.string(), expiresAt: z.string().nullable() }),
        'Created',
      ),
      ...errorResponses,
    },
  }),
  async (c) => {
    const ctx = requireCtx(c);
    // Tokens are minted by people; a token cannot mint further tokens.
    if (ctx.actor.type !== 'user') throw new ForbiddenError('Create API tokens while signed in, or with `tenantwatch token create`.');
    const row = await createApiToken({ ctx, input: c.req.valid('json'), userId: ctx.actor.id });
    return c.json({ ...row, createdAt: row.createdAt.toISOString(), expiresAt: row.expiresAt?.toISOString() ?? null }, 201);
  },
);
