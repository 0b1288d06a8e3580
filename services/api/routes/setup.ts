import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { describeSetupLink, redeemSetupLink } from '../../core/auth/setup-tokens.ts';
import { PASSWORD_MAX, PASSWORD_MIN } from '../../core/auth/passwords.ts';
import { clientIp } from '../auth/middleware.ts';
import { errorResponses, json, jsonBody } from '../schemas.ts';
import type { AppEnv } from '../types.ts';
import { SessionSchema, startSession } from './auth.ts';

const TokenParam = z.object({ token: z.string().min(20).max(200).openapi({ param: { name: 'token', in: 'path' } }) });

const SetupLinkSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('first_owner') }),
    z.object({ kind: z.literal('invite'), email: z.string(), mspName: z.string() }),
  ])
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
      summary: 'What a one-time setup link is for',
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
      summary: 'Use a setup link: create the first owner, or set an invited user\'s password; signs in',
      request: { params: TokenParam, ...jsonBody(RedeemSchema) },
      responses: { 200: json(SessionSchema, 'Set up and signed in'), ...errorResponses },
    }),
    async (c) => {
      const user = await redeemSetupLink(c.get('deps').database.db, c.req.valid('param').token, c.req.valid('json'), {
        ip: clientIp(c) ?? '',
        requestId: c.get('requestId'),
      });
      return c.json(await startSession(c, user), 200);
    },
  );
