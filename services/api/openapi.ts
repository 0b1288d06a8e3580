import { OpenAPIHono } from '@hono/zod-openapi';
import { apiRoutes, OPENAPI_INFO, registerSecuritySchemes } from './app.ts';
import type { AppEnv } from './types.ts';

/** The OpenAPI document without starting anything (for `tenantwatch openapi` and the web client). */
export function openApiDocument() {
  const app = new OpenAPIHono<AppEnv>().route('/api/v1', apiRoutes());
  registerSecuritySchemes(app);
  return app.getOpenAPI31Document(OPENAPI_INFO);
}
