/**
 * The Exchange Online admin API the Exchange Online PowerShell module (v3, REST) calls:
 * `POST https://outlook.office365.com/adminapi/beta/{tenantId}/InvokeCommand` with
 * `{"CmdletInput":{"CmdletName":"Get-TransportRule","Parameters":{"Identity":"…"}}}` and an
 * app-only token for `https://outlook.office365.com` carrying `Exchange.ManageAsApp`. The answer
 * is an OData collection of the cmdlet's objects in PascalCase (`value`), with warnings in
 * `adminapi.warnings`; cmdlets that return nothing answer an empty `value`. The cmdlets
 * enrichment and remediation use are served (exchange-cmdlets.ts).
 *
 * Not documented by Microsoft (read from the module's traffic as community tools reproduce it,
 * kept here so it is easy to revisit): the 404 status for an unknown identity, 400 for a
 * parameter PowerShell cannot bind, the error body's `Ex…|ExceptionType|message` text, and the
 * 403 for a token without Exchange.ManageAsApp.
 */
import { Hono, type Context } from 'hono';
import { randomUUID } from 'node:crypto';
import { validateAccessToken } from './access-token.ts';
import { withFaults } from './fault-middleware.ts';
import { jsonResponse, requestOrigin } from './http-util.ts';
import type { SimEnv } from './env.ts';
import type { SimState, SimTenant } from './state.ts';
import { CMDLETS, CmdletError, runCmdlet } from './exchange-cmdlets.ts';
import { recordCmdlet, writeActor } from './write-audit.ts';

function exchangeError(status: number, code: string, message: string, exceptionType: string, headers: Record<string, string> = {}): Response {
  return jsonResponse(
    {
      error: {
        code,
        message,
        details: [{ code: 'Context', target: '', message }],
        innererror: {
          message,
          type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException',
          stacktrace: '',
          internalexception: { message, type: exceptionType, stacktrace: '' },
        },
      },
    },
    status,
    { 'request-id': randomUUID(), ...headers },
  );
}

export function exchangeAdminRoutes(state: SimState): Hono<SimEnv> {
  const app = new Hono<SimEnv>();

  app.post('/adminapi/beta/:tenantId/InvokeCommand', async (c) => {
    const result = await validateAccessToken(state.signingKeys, c.req.header('authorization'), 'exchange', state.now());
    if (!result.ok) {
      return exchangeError(401, 'Unauthorized', 'The access token is missing, invalid or expired.', 'System.UnauthorizedAccessException', {
        'WWW-Authenticate':
          'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", error="invalid_token"',
      });
    }
    const tenant = state.findTenant(c.req.param('tenantId'));
    if (!tenant || tenant.id !== result.token.tenantId.toLowerCase()) {
      return exchangeError(401, 'Unauthorized', 'The token was issued for a different organization.', 'System.UnauthorizedAccessException');
    }
    c.set('tenant', tenant);
    c.set('tenantId', tenant.id);
    c.set('appId', result.token.appId);
    c.set('token', result.token);
    const answer = await withFaults(
      c,
      tenant,
      'exchange',
      async () => {
        c.res = await invoke(c, tenant, result.token.roles);
      },
      {
        throttle: (_ctx, rule) =>
          exchangeError(429, 'TooManyRequests', 'The request was throttled. Try again later.', 'Microsoft.Exchange.Admin.OData.Core.ThrottlingException', {
            'Retry-After': String(rule.retryAfterSeconds ?? 2),
          }),
        serverError: (_ctx, rule) =>
          exchangeError(rule.status ?? 500, 'InternalServerError', 'An internal server error occurred. The operation failed.', 'System.Exception'),
      },
    );
    return answer ?? c.res;
  });

  async function invoke(c: Context<SimEnv>, tenant: SimTenant, roles: string[]): Promise<Response> {
    if (!roles.includes('Exchange.ManageAsApp')) {
      return exchangeError(
        403,
        'Forbidden',
        "The role assigned to the application isn't supported in this scenario: the app needs the Exchange.ManageAsApp permission and an Exchange role.",
        'System.UnauthorizedAccessException',
      );
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      body = undefined;
    }
    const input = (body as { CmdletInput?: { CmdletName?: unknown; Parameters?: unknown } } | undefined)?.CmdletInput;
    if (!input || typeof input.CmdletName !== 'string')
      return exchangeError(400, 'BadRequest', 'The request body must contain CmdletInput with CmdletName.', 'System.ArgumentException');
    const parameters = (input.Parameters && typeof input.Parameters === 'object' ? input.Parameters : {}) as Record<string, unknown>;
    const context = `${requestOrigin(c)}/adminapi/beta/${tenant.id}/$metadata#Collection(Exchange.GenericHashTable)`;
    const warnings: string[] = [];
    try {
      const value = runCmdlet(input.CmdletName, { tenant, parameters, nowMs: state.now(), warnings });
      // What changed something is in the tenant's admin audit log, done by the app.
      if (CMDLETS[input.CmdletName]?.changesState) {
        const identity = parameters.Identity;
        recordCmdlet(
          state,
          tenant,
          writeActor(state, tenant, c.get('appId') ?? ''),
          input.CmdletName,
          parameters,
          typeof identity === 'string' ? identity : JSON.stringify(identity ?? ''),
        );
      }
      return jsonResponse({ '@odata.context': context, 'adminapi.warnings@odata.type': '#Collection(String)', 'adminapi.warnings': warnings, value }, 200, {
        'request-id': randomUUID(),
      });
    } catch (error) {
      if (!(error instanceof CmdletError)) throw error;
      return exchangeError(error.status, error.status === 404 ? 'NotFound' : 'BadRequest', error.message, error.exceptionType);
    }
  }

  return app;
}
