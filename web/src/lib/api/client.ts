import createClient, { type Middleware } from 'openapi-fetch';
import { session } from '$lib/session.svelte';
import type { paths } from './schema';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Writes made with the session cookie must echo the session's CSRF token; the API refuses
 * them with 403 otherwise. Reads need nothing extra.
 */
const csrfHeader: Middleware = {
  onRequest({ request }) {
    const token = session.csrfToken;
    if (token && !SAFE_METHODS.has(request.method.toUpperCase())) {
      request.headers.set('X-CSRF-Token', token);
    }
    return request;
  },
};

/**
 * The typed client for Tenantwatch's REST API, same origin as the web app.
 * Request and response types come from the generated OpenAPI schema (`npm run gen:api`).
 * @example const { data, error, response } = await api.GET('/api/v1/tenants', { params: { query: { limit: 50 } } });
 */
export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(csrfHeader);
