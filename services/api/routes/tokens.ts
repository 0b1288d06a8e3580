import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { USER_ROLES } from '../../../db/schema/index.ts';
import { createApiToken, createApiTokenInput } from '../../core/api-token/create-api-token.ts';
import { listApiTokens } from '../../core/api-token/list-api-tokens.ts';
import { revokeApiToken } from '../../core/api-token/revoke-api-token.ts';
import { ForbiddenError } from '../../errors.ts';
import { guard, requireCtx } from '../auth/middleware.ts';
import { errorResponses, IdParam, json, jsonBody } from '../schemas.ts';
import type { AppEnv } from '../types.ts';

const ApiTokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ description: 'The first characters of the token, to tell tokens apart.' }),
    role: z.enum(USER_ROLES),
    state: z.enum(['active', 'expired', 'revoked']),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable().openapi({ description: 'Updated at most once a minute.' }),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiToken');

export const tokenRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/tokens',
      tags: ['tokens'],
      summary: "Your API tokens (a token lists its user's), newest first, revoked and expired ones included",
      ...guard('token.create'),
      responses: { 200: json(z.object({ items: z.array(ApiTokenSchema), nextCursor: z.null() }), 'Tokens'), ...errorResponses },
    }),
    async (c) => {
      const ctx = requireCtx(c);
      const userId = ctx.actor.type === 'user' ? ctx.actor.id : ctx.actor.type === 'token' ? ctx.actor.userId : '';
      return c.json({ items: await listApiTokens({ ctx, userId }), nextCursor: null }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/tokens',
      tags: ['tokens'],
      summary: 'Create an API token for yourself; the token is shown only in this answer',
      ...guard('token.create'),
      request: jsonBody(createApiTokenInput),
      responses: {
        201: json(
          z.object({
            id: z.string(),
            name: z.string(),
            role: z.enum(USER_ROLES),
            prefix: z.string(),
            token: z.string(),
            createdAt: z.string(),
            expiresAt: z.string().nullable(),
          }),
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
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/tokens/{id}',
      tags: ['tokens'],
      summary: "Revoke an API token for good (your own; an admin may revoke anyone's in the MSP)",
      ...guard('token.create'),
      request: { params: IdParam },
      responses: { 200: json(ApiTokenSchema, 'The token, now revoked'), ...errorResponses },
    }),
    async (c) => c.json(await revokeApiToken({ ctx: requireCtx(c), id: c.req.valid('param').id }), 200),
  );
