import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Hook } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { authenticate, csrfProtection, resolveAuth } from './auth/middleware.ts';
import { UnauthenticatedError } from '../errors.ts';
import { errorBody, mapError, zodDetails } from './errors.ts';
import { httpMetrics, operationsMetrics } from './metrics.ts';
import { createOperationsReader } from './operations.ts';
import { contentSecurityPolicy, noStore, refuseNul } from './request-guards.ts';
import { auditRoutes } from './routes/audit.ts';
import { authRoutes } from './routes/auth.ts';
import { microsoftAuthRoutes } from './routes/auth-microsoft.ts';
import { customDetectionRoutes } from './routes/custom-detections.ts';
import { detectionRoutes } from './routes/detections.ts';
import { eventEntityRoutes } from './routes/event-entities.ts';
import { eventStreamRoutes } from './routes/event-stream.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes } from './routes/health.ts';
import { importRoutes } from './routes/imports.ts';
import { remediationRoutes } from './routes/remediations.ts';
import { mfaRoutes } from './routes/mfa.ts';
import { psaRoutes } from './routes/psa.ts';
import { setupRoutes } from './routes/setup.ts';
import { signupRoutes } from './routes/signup.ts';
import { tenantRoutes } from './routes/tenants.ts';
import { tenantGroupRoutes } from './routes/tenant-groups.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { userRoutes } from './routes/users.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { whitelistRuleRoutes } from './routes/whitelist-rules.ts';
import { triggerRoutes } from './routes/triggers.ts';
import { outboxRoutes } from './routes/outbox.ts';
import type { App, AppDeps, AppEnv } from './types.ts';
import { createConfiguredEntityLookup } from '../../enrichment/lookup.ts';

/** Invalid params, query or body: 400 in the common error shape, listing each problem. */
const validationHook: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (!result.success) {
    return c.json(errorBody(c, 'validation_failed', 'The request is not valid.', zodDetails(result.error)), 400);
  }
  return undefined;
};

const IMPORT_UPLOAD = /^\/api\/v1\/tenants\/[^/]+\/imports$/;
const OUTBOX_HTML = /^\/api\/v1\/outbox\/[^/]+\/html$/;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whose request it was, for its log line: the caller's MSP, and the tenant it is about when the
 * route names one (`/tenants/{id}/…`) or the query filters on exactly one (`?tenant=`).
 */
export function requestScope(c: Context<AppEnv>): { mspId?: string; tenantId?: string } {
  const out: { mspId?: string; tenantId?: string } = {};
  const msp = c.get('auth')?.msp;
  if (msp) out.mspId = msp;
  let tenantId: string | undefined;
  if (c.req.routePath.startsWith('/api/v1/tenants/:id')) tenantId = c.req.path.split('/')[4];
  else {
    const queried = c.req.queries('tenant');
    if (queried?.length === 1 && !queried[0]!.includes(',')) tenantId = queried[0];
  }
  if (tenantId && UUID.test(tenantId)) out.tenantId = tenantId.toLowerCase();
  return out;
}

/** Every route group of the REST API, mounted at /api/v1: the API's table of contents. */
export function apiRoutes() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .route('/', authRoutes)
    .route('/', microsoftAuthRoutes)
    .route('/', mfaRoutes)
    .route('/', setupRoutes)
    .route('/', signupRoutes)
    .route('/', tenantRoutes)
    .route('/', tenantGroupRoutes)
    .route('/', userRoutes)
    .route('/', tokenRoutes)
    .route('/', detectionRoutes)
    .route('/', customDetectionRoutes)
    .route('/', eventStreamRoutes)
    .route('/', eventRoutes)
    .route('/', eventEntityRoutes)
    .route('/', whitelistRuleRoutes)
    .route('/', triggerRoutes)
    .route('/', outboxRoutes)
    .route('/', auditRoutes)
    .route('/', importRoutes)
    .route('/', psaRoutes)
    .route('/', remediationRoutes);
}

export const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'Tenantwatch API',
    version: '1',
    description:
      'Microsoft 365 security monitoring for MSPs. Lists page with `limit` and an opaque `cursor` and answer `{ items, nextCursor }`. Errors answer `{ error: { code, message, requestId } }`.',
  },
  security: [{ bearer: [] }, { session: [] }] as Record<string, string[]>[],
};

export function registerSecuritySchemes(app: App): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token (`tw_...`) from `tenantwatch token create` or POST /api/v1/tokens.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'tw_session',
    description: "The web app's session; writes also need the X-CSRF-Token header.",
  });
}

/**
 * Routes that depend on where the app runs: the API reference's assets and the built web app
 * come from the file system on Node and from static assets on Cloudflare Workers.
 */
export type PlatformRoutes = {
  /** Mounted before the API's catch-all 404, for paths under /api (the reference). */
  api?: (app: App) => void;
  /** Mounted last, for the web app's pages and assets. */
  web?: (app: App) => void;
};

/**
 * The whole HTTP surface: operations endpoints, the REST API under /api/v1 (every route group
 * is listed here), the OpenAPI document, and whatever the platform adds (reference, web app).
 * Portable: nothing here needs Node, so the same app runs on Cloudflare Workers.
 */
export function createApp(input: AppDeps, platform: PlatformRoutes = {}): App {
  const deps: AppDeps = {
    ...input,
    entityLookup: input.entityLookup ?? (input.tokens ? createConfiguredEntityLookup(input.config, input) : undefined),
    operations: input.operations ?? createOperationsReader(input.database),
  };
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use('*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  // X-Request-Id from the caller when well formed (letters, digits, -, _, =; at most 64), else a new UUID; echoed in the response.
  app.use('*', requestId({ limitLength: 64 }));
  app.use('*', async (c, next) => {
    const start = performance.now();
    await next();
    deps.log.info(
      {
        requestId: c.get('requestId'),
        ...requestScope(c),
        method: c.req.method,
        route: c.req.routePath,
        status: c.res.status,
        ms: Math.round(performance.now() - start),
      },
      'request',
    );
  });
  app.use('*', httpMetrics(deps.metrics));
  operationsMetrics(deps.metrics, deps.operations!);
  const headers = secureHeaders({ xFrameOptions: 'DENY', referrerPolicy: 'same-origin', crossOriginResourcePolicy: 'same-origin' });
  // A mail's HTML on the Outbox page is framed by this origin (sandboxed, under its own policy).
  const framedHeaders = secureHeaders({ xFrameOptions: 'SAMEORIGIN', referrerPolicy: 'same-origin', crossOriginResourcePolicy: 'same-origin' });
  app.use('*', (c, next) => (OUTBOX_HTML.test(c.req.path) ? framedHeaders(c, next) : headers(c, next)));
  app.use('*', contentSecurityPolicy);
  const limitBody = bodyLimit({
    maxSize: deps.config.maxBodyBytes,
    onError: () => {
      throw new HTTPException(413);
    },
  });
  // An audit-file upload is a file streamed to disk under its own cap (TW_IMPORT_MAX_BYTES, enforced
  // by the import runner), whatever content type it is sent with: neither the JSON body limit nor the
  // JSON guard reads it (reading it here would hold the whole file in memory and lock the stream).
  const isUpload = (c: { req: { method: string; path: string } }) => c.req.method === 'POST' && IMPORT_UPLOAD.test(c.req.path);
  app.use('/api/*', (c, next) => (isUpload(c) ? next() : limitBody(c, next)));
  app.use('/api/*', (c, next) => (isUpload(c) ? next() : refuseNul(c, next)));

  app.route('/', healthRoutes);
  app.route('/', webhookRoutes);

  const v1 = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  v1.use('*', noStore);
  v1.use('*', authenticate);
  v1.use('*', csrfProtection);
  v1.route('/', apiRoutes());
  app.route('/api/v1', v1);
  registerSecuritySchemes(app);
  // The API's description is for the MSP's users and integrations, not for anyone who finds the address.
  for (const path of ['/api/openapi.json', '/api/reference', '/api/reference/*']) {
    app.use(path, async (c, next) => {
      if (deps.config.apiReference !== 'public' && !(await resolveAuth(c))) {
        throw new UnauthenticatedError('Sign in to Tenantwatch (or send an API token) to read the API reference.');
      }
      await next();
      if (deps.config.apiReference !== 'public' && c.req.path === '/api/openapi.json') c.header('Cache-Control', 'no-store');
    });
  }
  app.doc31('/api/openapi.json', OPENAPI_INFO);
  platform.api?.(app);

  app.all('/api/*', (c) => c.json(errorBody(c, 'not_found', `No such API route: ${c.req.method} ${c.req.path}`), 404));

  platform.web?.(app);

  app.notFound((c) => c.json(errorBody(c, 'not_found', `Nothing here: ${c.req.method} ${c.req.path}`), 404));
  app.onError(mapError);
  return app;
}
