import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ACTIVITY_SOURCES, TENANT_AUTH_MODES, TENANT_STATUSES } from '../../../db/schema/index.ts';
import { createTenant } from '../../core/tenant/create-tenant.ts';
import { getTenant } from '../../core/tenant/get-tenant.ts';
import { listTenants } from '../../core/tenant/list-tenants.ts';
import { consentLinkInput, createTenantInput } from '../../core/tenant/tenant-input.ts';
import {
  confirmConsentedTenant,
  consentRedirectUri,
  ConsentRefusedError,
  consentSignInState,
  createConsentLink,
  describeConsentError,
  readConsentStep,
  recordConsentedTenant,
  redeemConsentState,
  tenantFromSignIn,
} from '../../core/tenant/consent.ts';
import { MicrosoftSignInError } from '../../core/auth/microsoft-login.ts';
import { clearConsentFlowCookie, readConsentFlowCookie, setConsentFlowCookie } from '../auth/cookies.ts';
import type { VerifyReport } from '../../collector/onboarding-check.ts';
import { AppError } from '../../errors.ts';
import { verifyTenant } from '../../core/tenant/verify-tenant.ts';
import { writeAudit } from '../../core/audit/write-audit.ts';
import { listQuarantine } from '../../core/tenant/list-quarantine.ts';
import { setTenantEnabled, setTenantEnabledInput } from '../../core/tenant/set-tenant-enabled.ts';
import { UnavailableError } from '../../errors.ts';
import { guard, clientIp, requireCtx } from '../auth/middleware.ts';
import { errorResponse, errorResponses, IdParam, json, jsonBody, page, pageQuery } from '../schemas.ts';
import type { AppEnv } from '../types.ts';
import type { Context } from 'hono';

const TenantSchema = z
  .object({
    id: z.string(),
    tenantGuid: z.string(),
    name: z.string(),
    primaryDomain: z.string(),
    authMode: z.enum(TENANT_AUTH_MODES),
    clientId: z.string().nullable(),
    hasCredentials: z.boolean(),
    status: z.enum(TENANT_STATUSES),
    isDemo: z.boolean(),
    importOnly: z.boolean().openapi({ description: 'No Microsoft credentials: the tenant holds imported exports only and is never collected.' }),
    createdAt: z.string(),
    collectors: z.array(
      z.object({
        source: z.enum(ACTIVITY_SOURCES),
        lastSuccessAt: z.string().nullable(),
        lastAttemptAt: z.string().nullable(),
        lagSeconds: z.number().nullable(),
        lastError: z.string().nullable(),
        lastErrorAt: z.string().nullable(),
        consecutiveFailures: z.number(),
      }),
    ),
  })
  .openapi('Tenant');

const VerifySchema = z
  .object({
    status: z.enum(['active', 'error']),
    signInErrors: z.array(z.object({ api: z.enum(['graph', 'manage', 'exchange']), message: z.string() })),
    granted: z.array(z.object({ api: z.enum(['graph', 'manage', 'exchange']), permission: z.string() })),
    missing: z.array(z.object({ api: z.enum(['graph', 'manage', 'exchange']), apiName: z.string(), permission: z.string(), without: z.string() })),
    subscriptions: z.array(z.object({ contentType: z.string(), status: z.enum(['enabled', 'failed']), webhook: z.boolean(), message: z.string().optional() })),
  })
  .openapi('TenantCheck');

const ConsentLinkSchema = z
  .object({
    url: z
      .string()
      .openapi({ description: "Microsoft's admin consent page for the MSP app; open it and sign in as a Global Administrator of the customer's tenant." }),
    redirectUri: z.string().openapi({ description: 'Where Microsoft sends the browser back; must be a Web redirect URI of the MSP app.' }),
    expiresAt: z.string(),
  })
  .openapi('ConsentLink');

const ConsentCallbackQuery = z.object({
  state: z.string().max(2000).optional(),
  admin_consent: z.string().max(20).optional(),
  tenant: z.string().max(100).optional(),
  scope: z.string().max(4000).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(4000).optional(),
  error_subcode: z.string().max(200).optional(),
  error_uri: z.string().max(2000).optional(),
  code: z.string().max(4000).optional(),
  session_state: z.string().max(500).optional(),
  client_info: z.string().max(4000).optional(),
});

/** The tenants page with the outcome of an admin consent, for the web app to show. */
function toTenantsPage(c: Context<AppEnv>, result: { added: string; warning?: string } | { error: string }) {
  const params = new URLSearchParams(
    'error' in result ? { consentError: result.error } : { added: result.added, ...(result.warning ? { consentWarning: result.warning } : {}) },
  );
  return c.redirect(`/tenants?${params.toString()}`, 302);
}

/** What the onboarding check found that needs the admin's attention, in one short paragraph. */
function checkWarning(report: VerifyReport): string | undefined {
  const parts: string[] = [];
  if (report.signInErrors.length > 0) parts.push(`Signing in to the tenant failed (${report.signInErrors.map((e) => `${e.api}: ${e.message}`).join('; ')}).`);
  if (report.missing.length > 0) {
    const listed = report.missing.slice(0, 3).map((m) => `${m.permission} (${m.without})`);
    const more = report.missing.length > 3 ? ` and ${report.missing.length - 3} more` : '';
    parts.push(`Missing permissions: ${listed.join('; ')}${more}.`);
  }
  if (parts.length === 0) return undefined;
  parts.push("Microsoft can take a few minutes to apply a new consent: run the check again from the tenant's page.");
  return parts.join(' ').slice(0, 1500);
}

const QuarantineSchema = z
  .object({ id: z.string(), source: z.enum(ACTIVITY_SOURCES), reason: z.string(), raw: z.string(), createdAt: z.string() })
  .openapi('QuarantinedRecord');

export const tenantRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/tenants',
      tags: ['tenants'],
      summary: "List the MSP's tenants",
      ...guard('tenant.read'),
      request: { query: pageQuery },
      responses: { 200: json(page(TenantSchema), 'A page of tenants'), ...errorResponses },
    }),
    async (c) => c.json(await listTenants({ ctx: requireCtx(c), input: c.req.valid('query') }), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/tenants',
      tags: ['tenants'],
      summary:
        "Add a Microsoft 365 tenant with its own app registration (auth.mode 'secret' or 'certificate'); tenants that use the MSP app are added by admin consent",
      ...guard('tenant.write'),
      request: jsonBody(createTenantInput),
      responses: {
        201: json(TenantSchema, 'Added'),
        409: errorResponse('This tenant is already added, or another MSP holds it through the MSP app'),
        ...errorResponses,
      },
    }),
    async (c) => c.json(await createTenant({ ctx: requireCtx(c), input: c.req.valid('json') }), 201),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/tenants/consent-link',
      tags: ['tenants'],
      summary: "Admin consent link for the MSP app: a customer's Global Administrator opens it to connect their tenant",
      ...guard('tenant.write'),
      request: jsonBody(consentLinkInput),
      responses: {
        201: json(ConsentLinkSchema, 'The link, single use, valid for an hour'),
        409: errorResponse('The MSP app is not configured (TW_MS_CLIENT_ID, TW_MS_CLIENT_SECRET)'),
        ...errorResponses,
      },
    }),
    async (c) => c.json(await createConsentLink({ ctx: requireCtx(c), config: c.get('deps').config, input: c.req.valid('json') }), 201),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/tenants/consent-callback',
      tags: ['tenants'],
      summary:
        'Where Microsoft sends the browser back, after the admin consent and after the sign-in that follows it: adds the tenant, checks its permissions and redirects to /tenants',
      description:
        "Needs the session of the user who created the consent link. After the admin consent it redirects to Microsoft's sign-in for the tenant that consented (authorization code with PKCE, back to this same address); after that sign-in it adds the tenant named by the ID token's `tid` and redirects to `/tenants?added=<id>` (with `consentWarning` when the check found a problem). Every refusal redirects to `/tenants?consentError=<what went wrong>`.",
      request: { query: ConsentCallbackQuery },
      responses: { 302: { description: "To Microsoft's sign-in, or to /tenants with the outcome" } },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const { state, step } = readConsentStep(query.state);
      const flowCookie = readConsentFlowCookie(c);
      if (step === 'sign-in') clearConsentFlowCookie(c);
      if (!c.get('auth')) return toTenantsPage(c, { error: 'Sign in to Tenantwatch, then open the consent link again (it was not used).' });
      const ctx = requireCtx(c);
      const { tokens, config, log, microsoftLogin } = c.get('deps');
      try {
        if (step === 'sign-in') {
          const link = await redeemConsentState({ ctx, state });
          if (query.error || !query.code) {
            await writeAudit(
              ctx.db,
              ctx,
              'tenant.consent_refused',
              { type: 'consent_link', id: link.id },
              { error: query.error ?? 'no_code', errorDescription: query.error_description?.split(/\r?\n/)[0] ?? null, step: 'sign-in' },
            );
            return toTenantsPage(c, {
              error: `The sign-in to Microsoft after the consent did not finish${query.error === 'access_denied' ? ' (it was cancelled)' : ''}, so the tenant was not added. Create a new link on the tenants page and try again.`,
            });
          }
          if (!microsoftLogin || !tokens)
            return toTenantsPage(c, {
              error: 'This deployment cannot finish the consent with Microsoft (it signs in to Microsoft only on the Node deployment), so nothing was added.',
            });
          const signedIn = await microsoftLogin.finishInTenant({
            code: query.code,
            state: query.state ?? '',
            cookie: flowCookie,
            redirectUri: consentRedirectUri(config),
          });
          const tenantGuid = tenantFromSignIn(signedIn.identity, signedIn.tenantGuid);
          const { tenant } = await recordConsentedTenant({ ctx, link, tenantGuid });
          const report = await verifyTenant({ ctx, id: tenant.id, deps: { config, tokens } });
          const warning = checkWarning(report);
          return toTenantsPage(c, { added: tenant.id, ...(warning ? { warning } : {}) });
        }

        if (query.error || query.admin_consent?.toLowerCase() !== 'true') {
          const link = await redeemConsentState({ ctx, state });
          const message = query.error
            ? describeConsentError(query.error, query.error_description)
            : "Microsoft's answer did not confirm the consent, so nothing was added. Try the consent link again.";
          await writeAudit(
            ctx.db,
            ctx,
            'tenant.consent_refused',
            { type: 'consent_link', id: link.id },
            { error: query.error ?? null, errorDescription: query.error_description?.split(/\r?\n/)[0] ?? null, tenant: query.tenant ?? null },
          );
          return toTenantsPage(c, { error: message });
        }
        // Checked, not spent: the link is spent when the sign-in below comes back.
        await redeemConsentState({ ctx, state, spend: false });
        if (!tokens || !microsoftLogin)
          return toTenantsPage(c, {
            error:
              'This deployment cannot confirm the consent with Microsoft (it signs in to Microsoft only on the Node deployment), so nothing was added. Open the consent link from the Node deployment.',
          });
        const consented = await confirmConsentedTenant(tokens, query.tenant);
        const started = await microsoftLogin.startInTenant({
          tenantGuid: consented,
          state: consentSignInState(state ?? ''),
          redirectUri: consentRedirectUri(config),
        });
        setConsentFlowCookie(c, started.cookie, started.expiresAt);
        return c.redirect(started.url, 302);
      } catch (err) {
        if (err instanceof ConsentRefusedError || err instanceof AppError) return toTenantsPage(c, { error: err.message });
        if (err instanceof MicrosoftSignInError)
          return toTenantsPage(c, {
            error: `The sign-in to Microsoft after the consent was not accepted, so nothing was added: ${err.message.replace(/ Try again\.$/, '')} Create a new link on the tenants page.`,
          });
        log.error({ err, requestId: c.get('requestId'), ip: clientIp(c) }, 'admin consent callback failed');
        return toTenantsPage(c, {
          error: 'Tenantwatch could not finish adding the tenant. Try the consent link again; if it keeps failing, contact support with the time it happened.',
        });
      }
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/tenants/{id}',
      tags: ['tenants'],
      summary: 'One tenant with collector status per source',
      ...guard('tenant.read'),
      request: { params: IdParam },
      responses: { 200: json(TenantSchema, 'The tenant'), ...errorResponses },
    }),
    async (c) => c.json(await getTenant({ ctx: requireCtx(c), id: c.req.valid('param').id }), 200),
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/tenants/{id}',
      tags: ['tenants'],
      summary: 'Pause or resume a tenant: a disabled tenant is not collected',
      ...guard('tenant.write'),
      request: { params: IdParam, ...jsonBody(setTenantEnabledInput) },
      responses: { 200: json(TenantSchema, 'The tenant'), ...errorResponses },
    }),
    async (c) => c.json(await setTenantEnabled({ ctx: requireCtx(c), id: c.req.valid('param').id, input: c.req.valid('json') }), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/tenants/{id}/verify',
      tags: ['tenants'],
      summary: 'Check sign-in and granted permissions (what is missing, in plain words) and start the audit subscriptions',
      ...guard('tenant.write'),
      request: { params: IdParam },
      responses: { 200: json(VerifySchema, 'The check'), 503: errorResponse('Tenant checks are not available on this deployment'), ...errorResponses },
    }),
    async (c) => {
      const ctx = requireCtx(c);
      const { tokens, config } = c.get('deps');
      const found = await getTenant({ ctx, id: c.req.valid('param').id });
      if (!tokens) throw new UnavailableError('Tenant checks run on the Node deployment (they sign in to Microsoft); run `tenantwatch tenant verify` there.');
      const report = await verifyTenant({ ctx, id: found.id, deps: { config, tokens } });
      return c.json(report, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/tenants/{id}/quarantine',
      tags: ['tenants'],
      summary: 'Records that could not be read, with the reason, newest first',
      ...guard('tenant.read'),
      request: { params: IdParam, query: pageQuery },
      responses: { 200: json(page(QuarantineSchema), 'A page of quarantined records'), ...errorResponses },
    }),
    async (c) => {
      const ctx = requireCtx(c);
      const found = await getTenant({ ctx, id: c.req.valid('param').id });
      return c.json(await listQuarantine({ ctx, tenantId: found.id, input: c.req.valid('query') }), 200);
    },
  );
