import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { USER_ROLES, USER_STATUSES } from '../../../db/schema/index.ts';
import { PASSWORD_RESET_LINK_HOURS, setupPath } from '../../core/auth/setup-tokens.ts';
import { inviteUser, inviteUserInput, reissueInvite } from '../../core/user/invite-user.ts';
import { listUsers } from '../../core/user/list-users.ts';
import { removeUser, resetUserMfa, updateUser, updateUserInput } from '../../core/user/update-user.ts';
import { issuePasswordReset } from '../../core/user/reset-password.ts';
import { toUserView } from '../../core/user/user-view.ts';
import { guard, requireCtx } from '../auth/middleware.ts';
import { errorResponse, errorResponses, IdParam, json, jsonBody } from '../schemas.ts';
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
    mfaEnabled: z.boolean().openapi({ description: 'Two-step sign-in (authenticator app) is on.' }),
    microsoftLinked: z.boolean().openapi({ description: 'A Microsoft account is linked for "Sign in with Microsoft".' }),
  })
  .openapi('User');

const InvitedSchema = z.object({ user: UserSchema, setupUrl: z.string() }).openapi('InvitedUser');
const PasswordResetSchema = z
  .object({
    user: UserSchema,
    resetUrl: z.string().openapi({ description: 'One-time link for the user to choose a new password; send it to them.' }),
    expiresAt: z.string(),
  })
  .openapi('PasswordReset');

export const userRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/users',
      tags: ['users'],
      summary: "The MSP's users",
      ...guard('user.read'),
      responses: { 200: json(z.object({ items: z.array(UserSchema), nextCursor: z.null() }), 'Users'), ...errorResponses },
    }),
    async (c) => c.json({ items: await listUsers({ ctx: requireCtx(c) }), nextCursor: null }, 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/users',
      tags: ['users'],
      summary: 'Invite a user; answers the one-time setup link to send them',
      ...guard('user.invite'),
      request: jsonBody(inviteUserInput),
      responses: { 201: json(InvitedSchema, 'Invited'), 409: errorResponse('A user with this email exists'), ...errorResponses },
    }),
    async (c) => {
      const { user, setupToken } = await inviteUser({ ctx: requireCtx(c), input: c.req.valid('json') });
      return c.json({ user: toUserView(user), setupUrl: c.get('deps').config.publicUrl + setupPath(setupToken) }, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/users/{id}/invite-link',
      tags: ['users'],
      summary: 'A new setup link for a user who has not accepted their invitation yet (earlier links stop working)',
      ...guard('user.invite'),
      request: { params: IdParam },
      responses: { 201: json(InvitedSchema, 'The new link'), 409: errorResponse('The user has already accepted'), ...errorResponses },
    }),
    async (c) => {
      const { user, setupToken } = await reissueInvite({ ctx: requireCtx(c), id: c.req.valid('param').id });
      return c.json({ user: toUserView(user), setupUrl: c.get('deps').config.publicUrl + setupPath(setupToken) }, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/users/{id}',
      tags: ['users'],
      summary: "Change a user's role, or disable / re-enable them",
      description: 'Never above your own role; the MSP always keeps an active owner; nobody disables themselves.',
      ...guard('user.write'),
      request: { params: IdParam, ...jsonBody(updateUserInput) },
      responses: { 200: json(UserSchema, 'The user'), 409: errorResponse('The change would leave no owner, or targets yourself'), ...errorResponses },
    }),
    async (c) => c.json(await updateUser({ ctx: requireCtx(c), id: c.req.valid('param').id, input: c.req.valid('json') }), 200),
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/users/{id}',
      tags: ['users'],
      summary: 'Remove a user (their sessions and API tokens end; the audit log keeps what they did)',
      ...guard('user.write'),
      request: { params: IdParam },
      responses: { 204: { description: 'Removed' }, 409: errorResponse('The last owner, or yourself'), ...errorResponses },
    }),
    async (c) => {
      await removeUser({ ctx: requireCtx(c), id: c.req.valid('param').id });
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/users/{id}/mfa/reset',
      tags: ['users'],
      summary: "Turn off a user's two-step sign-in (lost authenticator and recovery codes)",
      ...guard('user.write'),
      request: { params: IdParam },
      responses: { 200: json(UserSchema, 'The user, now without a second factor'), 409: errorResponse('The user has no second factor'), ...errorResponses },
    }),
    async (c) => c.json(await resetUserMfa({ ctx: requireCtx(c), id: c.req.valid('param').id }), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/users/{id}/password-reset',
      tags: ['users'],
      summary: "Reset a user's password: answers a one-time link for them to choose a new one",
      description: `Their current password stops working and their sessions end at once; earlier links stop working. The link works once, for ${PASSWORD_RESET_LINK_HOURS} hours.`,
      ...guard('user.write'),
      request: { params: IdParam },
      responses: { 201: json(PasswordResetSchema, 'The reset link'), 409: errorResponse('Yourself, or a user who is invited or disabled'), ...errorResponses },
    }),
    async (c) => {
      const { user, resetToken } = await issuePasswordReset({ ctx: requireCtx(c), id: c.req.valid('param').id });
      const expiresAt = new Date(Date.now() + PASSWORD_RESET_LINK_HOURS * 3_600_000).toISOString();
      return c.json({ user: toUserView({ ...user, passwordHash: null }), resetUrl: c.get('deps').config.publicUrl + setupPath(resetToken), expiresAt }, 201);
    },
  );
