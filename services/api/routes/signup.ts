import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { describeMspSignupLink, signUpMspInput, signUpMspOpen, signUpMspWithLink } from '../../core/msp/sign-up-msp.ts';
import { SIGNUP_MODES } from '../../config.ts';
import { clientIp } from '../auth/middleware.ts';
import { errorResponse, errorResponses, json, jsonBody } from '../schemas.ts';
import type { AppEnv } from '../types.ts';
import type { Context } from 'hono';
import { SessionSchema, startSession } from './auth.ts';

/** Sign-up of a new MSP (company and owner): by the operator's one-time link, or open (TW_SIGNUP). */

const TokenParam = z.object({
  token: z
    .string()
    .min(20)
    .max(200)
    .openapi({ param: { name: 'token', in: 'path' } }),
});

const SignupOptionsSchema = z
  .object({
    mode: z
      .enum(SIGNUP_MODES)
      .openapi({ description: '`open`: anyone may sign up at /signup; `invite`: only with a link from the operator; `closed`: nobody.' }),
  })
  .openapi('SignupOptions');

const SignupLinkSchema = z
  .object({ mspName: z.string().nullable().openapi({ description: 'The company name the operator suggested, if any.' }) })
  .openapi('SignupLink');

const deps = (c: Context<AppEnv>) => {
  const { database, secrets, config } = c.get('deps');
  return { db: database.db, secrets, mode: config.signup };
};
const meta = (c: Context<AppEnv>) => ({ ip: clientIp(c), requestId: c.get('requestId') });

export const signupRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/signup',
      tags: ['auth'],
      summary: 'Whether new MSPs may sign up on this installation',
      responses: { 200: json(SignupOptionsSchema, 'The sign-up mode') },
    }),
    (c) => c.json({ mode: c.get('deps').config.signup }, 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/signup',
      tags: ['auth'],
      summary: 'Sign up a new MSP and its owner (only when sign-up is open); signs in as the owner',
      request: jsonBody(signUpMspInput),
      responses: {
        200: json(SessionSchema, 'The MSP and its owner exist; signed in'),
        409: errorResponse('The email is already in use'),
        429: errorResponse('Too many sign-ups from this address'),
        ...errorResponses,
      },
    }),
    async (c) => c.json(await startSession(c, await signUpMspOpen(deps(c), c.req.valid('json'), meta(c))), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/signup/{token}',
      tags: ['auth'],
      summary: "What an operator's one-time MSP sign-up link suggests",
      request: { params: TokenParam },
      responses: { 200: json(SignupLinkSchema, 'The link is usable'), ...errorResponses },
    }),
    async (c) => c.json(await describeMspSignupLink(deps(c), c.req.valid('param').token), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/signup/{token}',
      tags: ['auth'],
      summary: "Use an operator's one-time link: create the new MSP and its owner; signs in as the owner",
      request: { params: TokenParam, ...jsonBody(signUpMspInput) },
      responses: { 200: json(SessionSchema, 'The MSP and its owner exist; signed in'), 409: errorResponse('The email is already in use'), ...errorResponses },
    }),
    async (c) => c.json(await startSession(c, await signUpMspWithLink(deps(c), c.req.valid('param').token, c.req.valid('json'), meta(c))), 200),
  );
