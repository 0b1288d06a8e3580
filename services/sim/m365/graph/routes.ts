/**
 * Microsoft Graph v1.0 for app-only callers: the tenant is the token's `tid`, as in Graph.
 * Collections page with `@odata.nextLink` (absolute URLs back to this server carrying an
 * opaque `$skiptoken`), honour `$filter`, `$select`, `$top`, `$orderby`, `$count`.
 */
import { Hono, type Context } from 'hono';
import { randomUUID } from 'node:crypto';
import { validateAccessToken, type TokenProblem } from '../access-token.ts';
import { withFaults } from '../fault-middleware.ts';
import { requestOrigin } from '../http-util.ts';
import type { SimEnv } from '../env.ts';
import type { SimState, SimTenant } from '../state.ts';
import { COLLECTIONS, type Collection } from './collections.ts';
import { graphError, graphErrors, type GraphErrorSpec } from './errors.ts';
import { ODataError, compileFilter, filterFields, parseFilter, readPath } from './odata.ts';
import { SkipTokenCodec, type PageCursor } from './paging.ts';
import { registerDirectoryRoutes } from './directory-routes.ts';
import { registerRemediationRoutes } from './remediation-routes.ts';

const ODATA_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

function problemMessage(problem: TokenProblem): string {
  switch (problem.kind) {
    case 'missing':
      return 'Access token is empty.';
    case 'expired':
      return 'Lifetime validation failed, the token is expired.';
    case 'not-yet-valid':
      return 'Lifetime validation failed, the token is not yet valid.';
    case 'wrong-audience':
      return 'Access token validation failure. Invalid audience.';
    case 'wrong-issuer':
      return 'Access token validation failure. Invalid issuer.';
    case 'bad-signature':
      return 'Access token validation failure.';
    case 'malformed':
      return 'IDX14100: JWT is not well formed, there are no dots (.).';
  }
}

function graphJson(c: Context, body: unknown): Response {
  const requestId = randomUUID();
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: {
      'Content-Type': ODATA_JSON,
      'OData-Version': '4.0',
      'request-id': requestId,
      'client-request-id': c.req.header('client-request-id') ?? requestId,
      'x-ms-ags-diagnostic': '{"ServerInfo":{"DataCenter":"Simulated","Slice":"E","Ring":"1","ScaleUnit":"000","RoleInstance":"SIM"}}',
    },
  });
}

function project(record: Record<string, unknown>, properties: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of properties) if (p in record) out[p] = record[p];
  return out;
}

export function graphRoutes(state: SimState): Hono<SimEnv> {
  const app = new Hono<SimEnv>();
  const codec = new SkipTokenCodec();
  const fail = (c: Context<SimEnv>, spec: GraphErrorSpec): Response => graphError(c, spec, state.now());

  app.use('/v1.0/*', async (c, next) => {
    const result = await validateAccessToken(state.signingKeys, c.req.header('authorization'), 'graph', state.now());
    if (!result.ok) return fail(c, graphErrors.invalidToken(problemMessage(result.problem)));
    const tenant = state.tenants.get(result.token.tenantId.toLowerCase());
    if (!tenant) return fail(c, graphErrors.invalidToken('Access token validation failure. Invalid issuer.'));
    c.set('tenant', tenant);
    c.set('tenantId', tenant.id);
    c.set('appId', result.token.appId);
    c.set('token', result.token);
    return withFaults(c, tenant, 'graph', next, {
      throttle: (ctx, rule) => {
        const retryAfter = String(rule.retryAfterSeconds ?? 2.128);
        return graphError(
          ctx,
          {
            status: 429,
            code: 'TooManyRequests',
            message: 'Please retry again later.',
            inner: { code: '429', message: 'Please retry after', status: '429' },
            headers: { 'Retry-After': retryAfter, 'x-ms-throttle-scope': `Tenant_Application/ReadWrite/${tenant.id}/${result.token.appId}` },
          },
          state.now(),
        );
      },
      serverError: (ctx, rule) => {
        const status = rule.status ?? 503;
        const spec: GraphErrorSpec =
          status === 503
            ? {
                status,
                code: 'serviceNotAvailable',
                message: 'The service is temporarily unavailable. Please retry.',
                headers: rule.retryAfterSeconds ? { 'Retry-After': String(rule.retryAfterSeconds) } : {},
              }
            : status === 504
              ? { status, code: 'gatewayTimeout', message: 'The operation timed out.' }
              : { status, code: 'generalException', message: 'An unspecified error has occurred.' };
        return graphError(ctx, spec, state.now());
      },
    });
  });

  const listCollection =
    (collection: Collection) =>
    (c: Context<SimEnv>): Response => {
      const tenant = c.get('tenant') as SimTenant;
      const roles = c.get('token')?.roles ?? [];
      if (!collection.anyOfRoles.some((r) => roles.includes(r))) return fail(c, collection.missingRole(roles));

      const url = new URL(c.req.url);
      const params = url.searchParams;
      const skipToken = params.get('$skiptoken');
      let cursor: PageCursor | undefined;
      if (skipToken !== null) {
        cursor = codec.decode(skipToken);
        if (!cursor) return fail(c, graphErrors.badRequest(`Invalid $skiptoken '${skipToken}'.`, collection.badRequestCode));
      }
      const query = cursor?.query ?? {
        ...(params.get('$filter') !== null ? { filter: params.get('$filter') ?? '' } : {}),
        ...(params.get('$select') !== null ? { select: params.get('$select') ?? '' } : {}),
        ...(params.get('$top') !== null ? { top: Number(params.get('$top')) } : {}),
        ...(params.get('$orderby') !== null ? { orderby: params.get('$orderby') ?? '' } : {}),
        ...(params.get('$count') === 'true' ? { count: true } : {}),
        ...(params.get('$skip') !== null ? { skip: Number(params.get('$skip')) } : {}),
      };
      if (query.skip !== undefined && (!collection.supportsSkip || !Number.isInteger(query.skip) || query.skip < 0)) {
        return fail(c, graphErrors.badRequest(`Query option '$skip' is not allowed or invalid for '${collection.path}'.`, collection.badRequestCode));
      }

      // $select
      let selected: string[] | undefined;
      if (query.select !== undefined) {
        selected = query.select
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const unknown = selected.find((s) => !collection.properties.includes(s));
        if (unknown)
          return fail(c, graphErrors.badRequest(`Could not find a property named '${unknown}' on type '${collection.entityType}'.`, collection.badRequestCode));
      }
      let maxPageSize = collection.maxPageSize;
      if (selected && collection.selectRules) {
        const rule = collection.selectRules(selected, roles);
        if (rule.error) return fail(c, rule.error);
        if (rule.maxPageSize) maxPageSize = rule.maxPageSize;
      }

      // $top
      let pageSize = Math.min(collection.defaultPageSize, maxPageSize);
      if (query.top !== undefined) {
        if (!Number.isInteger(query.top) || query.top < 1 || query.top > maxPageSize) {
          return fail(
            c,
            graphErrors.badRequest(
              `Invalid page size specified: '${String(params.get('$top') ?? query.top)}'. Must be between 1 and ${maxPageSize} inclusive.`,
              collection.badRequestCode,
            ),
          );
        }
        pageSize = query.top;
      }

      // $orderby: only the collection's time (or key) field, as Graph allows for these resources.
      let descending = collection.defaultDescending;
      if (query.orderby !== undefined) {
        const [field, direction = 'asc', ...rest] = query.orderby.trim().split(/\s+/);
        if (field !== collection.sortField || rest.length > 0 || !['asc', 'desc'].includes(direction)) {
          return fail(c, graphErrors.badRequest(`OrderBy not supported for '${query.orderby}'.`, collection.badRequestCode));
        }
        descending = direction === 'desc';
      }

      // $filter
      let predicate: ((r: Record<string, unknown>) => boolean) | undefined;
      if (query.filter !== undefined) {
        try {
          const node = parseFilter(query.filter);
          const unsupported = filterFields(node).find((f) => !(f in collection.filterable));
          if (unsupported)
            return fail(
              c,
              graphErrors.badRequest(
                `Invalid filter clause: the property '${unsupported}' is not supported for filtering on '${collection.path}'.`,
                collection.badRequestCode,
              ),
            );
          predicate = compileFilter(node, collection.filterable);
        } catch (error) {
          if (error instanceof ODataError) return fail(c, graphErrors.badRequest(`Invalid filter clause: ${error.message}`, collection.badRequestCode));
          throw error;
        }
      }

      const asOf = cursor?.asOf ?? state.now();
      const sortKey = (r: Record<string, unknown>): number | string => {
        const raw = readPath(r, collection.sortField);
        if (collection.sortType === 'datetime') return typeof raw === 'string' ? Date.parse(raw) : 0;
        return typeof raw === 'string' ? raw : '';
      };
      const idOf = (r: Record<string, unknown>): string => String(r.id ?? '');
      const cmp = (a: { key: number | string; id: string }, b: { key: number | string; id: string }): number => {
        const byKey = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
        const ordered = descending ? -byKey : byKey;
        return ordered !== 0 ? ordered : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      };
      let rows = collection
        .records(tenant)
        .filter((t) => t.availableAt <= asOf)
        .map((t) => t.value)
        .filter((r) => !predicate || predicate(r))
        .map((r) => ({ r, key: sortKey(r), id: idOf(r) }))
        .sort(cmp);
      const total = rows.length;
      if (cursor) {
        const after = cursor.after;
        rows = rows.filter((row) => cmp(row, after) > 0);
      } else if (query.skip) {
        rows = rows.slice(query.skip);
      }
      const page = rows.slice(0, pageSize);
      const hasMore = rows.length > page.length;

      const origin = requestOrigin(c);
      const contextSuffix = selected ? `(${selected.join(',')})` : '';
      const body: Record<string, unknown> = { '@odata.context': `${origin}/v1.0/$metadata#${collection.path}${contextSuffix}` };
      if (query.count && collection.supportsCount && !cursor) body['@odata.count'] = total;
      const last = page[page.length - 1];
      if (hasMore && last) {
        const token = codec.encode({ query, asOf, after: { key: last.key, id: last.id } });
        const link = new URL(`${origin}/v1.0/${collection.path}`);
        if (query.top !== undefined) link.searchParams.set('$top', String(query.top));
        link.searchParams.set('$skiptoken', token);
        body['@odata.nextLink'] = link.toString().replace(/%24/g, '$');
      }
      const properties = selected ?? collection.defaultProperties;
      body.value = page.map(({ r }) => (properties ? project(r, properties) : r));
      return graphJson(c, body);
    };

  for (const collection of COLLECTIONS) app.get(`/v1.0/${collection.path}`, listCollection(collection));

  const users = COLLECTIONS.find((col) => col.path === 'users');
  // `/users/$count` is an advanced query: Graph wants `ConsistencyLevel: eventual` and answers
  // the bare number as text/plain.
  app.get('/v1.0/users/$count', (c) => {
    const tenant = c.get('tenant') as SimTenant;
    const roles = c.get('token')?.roles ?? [];
    if (!users || !users.anyOfRoles.some((r) => roles.includes(r))) return fail(c, users?.missingRole(roles) ?? graphErrors.noRoute(c.req.path));
    if (c.req.header('consistencylevel')?.toLowerCase() !== 'eventual')
      return fail(c, graphErrors.badRequest('$count is not currently supported.', 'Request_BadRequest'));
    return c.body(String(tenant.users.length), 200, { 'content-type': 'text/plain;charset=utf-8' });
  });
  app.get('/v1.0/users/:id', (c) => {
    const tenant = c.get('tenant') as SimTenant;
    const roles = c.get('token')?.roles ?? [];
    if (!users || !users.anyOfRoles.some((r) => roles.includes(r))) return fail(c, users?.missingRole(roles) ?? graphErrors.noRoute(c.req.path));
    const id = c.req.param('id').toLowerCase();
    const user = tenant.users.find((u) => u.id.toLowerCase() === id || u.userPrincipalName.toLowerCase() === id);
    if (!user) return fail(c, graphErrors.notFound(c.req.param('id')));
    const select = c.req.query('$select');
    const selected = select ? select.split(',').map((s) => s.trim()) : undefined;
    const unknown = selected?.find((s) => !users.properties.includes(s));
    if (unknown) return fail(c, graphErrors.badRequest(`Could not find a property named '${unknown}' on type 'microsoft.graph.user'.`, users.badRequestCode));
    // signInActivity needs AuditLog.Read.All for one user as for the list.
    const rule = selected && users.selectRules ? users.selectRules(selected, roles) : {};
    if (rule.error) return fail(c, rule.error);
    const origin = requestOrigin(c);
    return graphJson(c, {
      '@odata.context': `${origin}/v1.0/$metadata#users${selected ? `(${selected.join(',')})` : ''}/$entity`,
      ...project(user, selected ?? users.defaultProperties ?? users.properties),
    });
  });

  registerDirectoryRoutes(app, state, fail, graphJson);
  registerRemediationRoutes(app, state, fail, graphJson);

  app.all('/v1.0/*', (c) => fail(c, graphErrors.noRoute(c.req.path)));
  return app;
}
