import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { SETUP_TOKEN_KINDS } from '../../../db/schema/index.ts';
import { describeSetupLink, redeemSetupLink, SETUP_LINK_STATES } from '../../core/auth/setup-tokens.ts';
import { PASSWORD_MAX, PASSWORD_MIN } from '../../core/auth/passwords.ts';
import { clientIp } from '../auth/middleware.ts';
import { errorResponse, errorResponses, json, jsonBody } from '../schemas.ts';
import type { AppEnv } from '../types.ts';
import { SessionSchema, startSession } from './auth.ts';

const TokenParam = z.object({
  token: z
    .string()
    .min(20)
    .max(200)
    .openapi({ param: { name: 'token', in: 'path' } }),
});

const SetupLinkSchema = z
  .object({
    kind: z
      .enum(SETUP_TOKEN_KINDS)
      .openapi({ description: "`first_owner` creates the MSP, `invite` sets an invited user's first password, `password_reset` a new one." }),
    state: z.enum(SETUP_LINK_STATES).openapi({ description: 'Only a `valid` link can be used; the others say why not.' }),
    email: z.string().optional().openapi({ description: 'Whose account (a valid invitation or reset only).' }),
    mspName: z.string().optional(),
  })
  .openapi('SetupLink');

const RedeemSchema = z.object({
  name: z.string().trim().max(200).default(''),
  password: z.string().min(PASSWORD_MIN, `use at least ${PASSWORD_MIN} characters`).max(PASSWORD_MAX),
  email: z.email({ message: 'expected an email address' }).max(320).optional(),
  mspName: z.string().trim().min(1).max(200).optional(),
});

export const setupRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/setup/{token}',
      tags: ['auth'],
      summary: 'What a one-time link is for, and whether it can still be used',
      request: { params: TokenParam },
      responses: { 200: json(SetupLinkSchema, 'The link is usable'), ...errorResponses },
    }),
    async (c) => c.json(await describeSetupLink(c.get('deps').database.db, c.req.valid('param').token), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/setup/{token}',
      tags: ['auth'],
      summary: "Use a one-time link: create the first owner, set an invited user's password, or a new one after a reset; signs in",
      request: { params: TokenParam, ...jsonBody(RedeemSchema) },
      responses: { 200: json(SessionSchema, 'Set up and signed in'), 409: errorResponse('The link was used, replaced or has expired'), ...errorResponses },
    }),
    async (c) => {
      const user = await redeemSetupLink(c.get('deps').database.db, c.req.valid('param').token, c.req.valid('json'), {
        ip: clientIp(c) ?? '',
        requestId: c.get('requestId'),
      });
      return c.json(await startSession(c, user), 200);
    },
  );
