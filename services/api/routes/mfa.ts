import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { confirmTotpEnrolment, disableTotp, getMfaStatus, startTotpEnrolment } from '../../core/auth/mfa.ts';
import { clientIp, sessionOnly, sessionUser } from '../auth/middleware.ts';
import { errorResponse, errorResponses, json, jsonBody } from '../schemas.ts';
import type { AppEnv } from '../types.ts';

const meta = (c: Context<AppEnv>) => ({ ip: clientIp(c), requestId: c.get('requestId') });

const MfaStatusSchema = z.object({ totpEnabled: z.boolean(), enabledAt: z.string().nullable(), recoveryCodesLeft: z.number().int() }).openapi('MfaStatus');
const EnrolmentSchema = z
  .object({
    secret: z.string().openapi({ description: 'Base32 shared secret, for typing into the app by hand.' }),
    uri: z.string().openapi({ description: 'otpauth://totp/… provisioning URI: show it as a QR code.' }),
  })
  .openapi('TotpEnrolment');
const CodeSchema = z.object({ code: z.string().trim().min(1, 'enter the code').max(64) });

export const mfaRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/auth/mfa',
      tags: ['auth'],
      middleware: [sessionOnly] as const,
      summary: 'Your two-step sign-in: on or off, and recovery codes left',
      responses: { 200: json(MfaStatusSchema, 'Status'), ...errorResponses },
    }),
    async (c) => c.json(await getMfaStatus(c.get('deps').database.db, sessionUser(c)), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/auth/mfa/totp/start',
      tags: ['auth'],
      middleware: [sessionOnly] as const,
      summary: 'Start setting up an authenticator app: a new secret and its QR code URI (not in force until confirmed)',
      responses: { 200: json(EnrolmentSchema, 'The secret, shown once'), 409: errorResponse('Already on'), ...errorResponses },
    }),
    async (c) => {
      const { database, secrets } = c.get('deps');
      return c.json(await startTotpEnrolment(database.db, secrets, sessionUser(c), meta(c)), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/auth/mfa/totp/confirm',
      tags: ['auth'],
      middleware: [sessionOnly] as const,
      summary: 'Confirm the authenticator with its current code: turns two-step sign-in on and answers ten recovery codes, shown once',
      request: jsonBody(CodeSchema),
      responses: {
        200: json(z.object({ recoveryCodes: z.array(z.string()) }).openapi('RecoveryCodes'), 'On'),
        409: errorResponse('Already on, or not started'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { database, secrets } = c.get('deps');
      return c.json(await confirmTotpEnrolment(database.db, secrets, sessionUser(c), c.req.valid('json').code, meta(c)), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/auth/mfa/totp/disable',
      tags: ['auth'],
      middleware: [sessionOnly] as const,
      summary: 'Turn two-step sign-in off; needs a current code or a recovery code',
      request: jsonBody(CodeSchema),
      responses: { 204: { description: 'Off' }, 409: errorResponse('Not on'), 429: errorResponse('Too many wrong codes'), ...errorResponses },
    }),
    async (c) => {
      const { database, secrets } = c.get('deps');
      await disableTotp(database.db, secrets, sessionUser(c), c.req.valid('json').code, meta(c));
      return c.body(null, 204);
    },
  );
