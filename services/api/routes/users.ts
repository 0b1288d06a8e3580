import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { USER_ROLES, USER_STATUSES } from '../../../db/schema/index.ts';
import { setupPath } from '../../core/auth/setup-tokens.ts';
import { inviteUser, inviteUserInput } from '../../core/user/invite-user.ts';
import { listUsers } from '../../core/user/list-users.ts';
import { allow, requireCtx } from '../auth/middleware.ts';
import { errorResponse, errorResponses, json, jsonBody } from '../schemas.ts';
import type { AppEnv } from '../types.ts';

const UserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(USER_ROLES),
    status: z.enum(USER_STATUSES),
    createdAt: z.string(),
    lastSignInAt: z.string().nullable(),
  })
  .openapi('User');

export const userRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/users',
      tags: ['users'],
      summary: 'The MSP\'s users',
      middleware: [allow('user.read')] as const,
      responses: { 200: json(z.object({ items: z.array(UserSchema), nextCursor: z.null() }), 'Users'), ...errorResponses },
    }),
    async (c) => {
      const rows = await listUsers({ ctx: requireCtx(c) });
      const items = rows.map((u) => ({ ...u, createdAt: u.createdAt.toISOString(), lastSignInAt: u.lastSignInAt?.toISOString() ?? null }));
      return c.json({ items, nextCursor: null }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/users',
      tags: ['users'],
      summary: 'Invite a user; answers the one-time setup link to send them',
      middleware: [allow('user.invite')] as const,
      request: jsonBody(inviteUserInput),
      responses: {
        201: json(z.object({ user: UserSchema, setupUrl: z.string() }), 'Invited'),
        409: errorResponse('A user with this email exists'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { user, setupToken } = await inviteUser({ ctx: requireCtx(c), input: c.req.valid('json') });
      const setupUrl = c.get('deps').config.publicUrl + setupPath(setupToken);
      return c.json(
        {
          user: { id: user.id, email: user.email, name: user.name, role: user.role, status: user.status, createdAt: user.createdAt.toISOString(), lastSignInAt: null },
          setupUrl,
        },
        201,
      );
    },
  );
