import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { auditLog, tenant } from '../../../db/schema/index.ts';
import type { Config } from '../../config.ts';
import { randomToken, safeEqual } from '../../crypto.ts';
import { ConflictError, ForbiddenError, ValidationError } from '../../errors.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import type { TokenProvider } from '../../microsoft/token-provider.ts';
import { assertTenantFree, createTenant, isConsentTenantTaken, TENANT_HELD_ELSEWHERE } from './create-tenant.ts';
import { consentLinkInput, type ConsentLinkInput } from './tenant-input.ts';
import { toTenantView } from './tenant-view.ts';

/**
 * Onboarding a customer tenant by admin consent to the MSP's multi-tenant app: a link to
 * Microsoft's admin consent page, and the callback Microsoft sends the browser back to.
 *
 * The link's `state` is `<payload>.<mac>`: the MSP, the user, a random id and an expiry, signed
 * with the secret key, so it cannot be forged or moved to another MSP or user. The link itself
 * (the customer's name and domain) is recorded in the audit log as `tenant.consent_link`, and its
 * use as `tenant.consent_link_used`, which makes it single use without a table of its own.
 *
 * Microsoft does not sign the admin consent redirect, so its `tenant` is only a hint. After it,
 * the browser signs in to that tenant (authorization code + PKCE + nonce, on the same callback
 * path: the state carries a step marker) and the tenant recorded is the `tid` of the ID token
 * Microsoft issues for that code. The link is spent when that second answer comes back.
 */

export const CONSENT_CALLBACK_PATH = '/api/v1/tenants/consent-callback';
export const CONSENT_LINK_MINUTES = 60;

const statePayload = z.object({ m: z.uuid(), u: z.uuid(), n: z.string().min(16), e: z.number().int() });
type StatePayload = z.infer<typeof statePayload>;

const linkDetails = z.object({ name: z.string(), primaryDomain: z.string(), tenant: z.string().nullable() });

/** A consent link or callback that cannot go on, with the words the tenants page shows. */
export class ConsentRefusedError extends Error {
  override name = 'ConsentRefusedError';
}

const macLabel = (payload: string) => `tenant-consent-state:${payload}`;

/** Where Microsoft sends the browser back: must be a Web redirect URI of the MSP app. */
export function consentRedirectUri(config: Pick<Config, 'publicUrl'>): string {
  return `${config.publicUrl}${CONSENT_CALLBACK_PATH}`;
}

/**
 * The admin consent link for the MSP's app: whoever signs in on it as a Global Administrator of
 * a customer tenant grants the app's permissions there, and the callback adds the tenant.
 * @example createConsentLink({ ctx, config, input: { name: 'Contoso', primaryDomain: 'contoso.com' } })
 *   // { url: 'https://login.microsoftonline.com/organizations/v2.0/adminconsent?client_id=…', expiresAt, redirectUri }
 */
export async function createConsentLink({ ctx, config, input }: { ctx: Ctx; config: Pick<Config, 'microsoft' | 'publicUrl'>; input: ConsentLinkInput }) {
  authorize(ctx, 'tenant.write');
  const data = consentLinkInput.parse(input);
  const redirectUri = consentRedirectUri(config);
  if (!config.microsoft.clientId || !config.microsoft.clientSecret) {
    throw new ConflictError(
      `Admin consent needs the MSP's multi-tenant app, which is not configured: set TW_MS_CLIENT_ID and TW_MS_CLIENT_SECRET on the server, with ${redirectUri} as a Web redirect URI of the app registration.`,
    );
  }
  if (ctx.actor.type === 'system') throw new ForbiddenError('A consent link belongs to a signed-in user: create it from the web app or with a user API token.');
  const userId = ctx.actor.type === 'user' ? ctx.actor.id : ctx.actor.userId;
  const expiresAt = new Date(Date.now() + CONSENT_LINK_MINUTES * 60_000);
  const payload: StatePayload = { m: ctx.msp, u: userId, n: randomToken(18), e: Math.floor(expiresAt.getTime() / 1000) };
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const state = `${encoded}.${ctx.secrets.mac(macLabel(encoded))}`;

  const url = new URL(`${config.microsoft.loginUrl}/${encodeURIComponent(data.tenant ?? 'organizations')}/v2.0/adminconsent`);
  url.searchParams.set('client_id', config.microsoft.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('state', state);
  url.searchParams.set('scope', 'https://graph.microsoft.com/.default');

  await writeAudit(
    ctx.db,
    ctx,
    'tenant.consent_link',
    { type: 'consent_link', id: payload.n },
    {
      name: data.name,
      primaryDomain: data.primaryDomain,
      tenant: data.tenant ?? null,
      expiresAt: expiresAt.toISOString(),
    },
  );
  return { url: url.toString(), redirectUri, expiresAt: expiresAt.toISOString() };
}

/** Reads a state value; null when it is not one Tenantwatch signed. */
function readState(secrets: Ctx['secrets'], state: string): StatePayload | null {
  const [encoded, mac, extra] = state.split('.');
  if (!encoded || !mac || extra !== undefined || !safeEqual(mac, secrets.mac(macLabel(encoded)))) return null;
  try {
    const parsed = statePayload.safeParse(JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export type ConsentLink = { id: string; name: string; primaryDomain: string; tenant: string | null };

/**
 * Checks the callback's `state` against the signed-in caller and spends it: signed by us, not
 * expired, issued to this MSP and this user, and not used before. Throws ConsentRefusedError
 * with what went wrong in plain words.
 */
export async function redeemConsentState({ ctx, state, spend = true }: { ctx: Ctx; state: string | undefined; spend?: boolean }): Promise<ConsentLink> {
  const payload = state ? readState(ctx.secrets, state) : null;
  if (!payload)
    throw new ConsentRefusedError('This consent link is not valid: it was not created by Tenantwatch or was changed. Create a new link on the tenants page.');
  const userId = ctx.actor.type === 'user' ? ctx.actor.id : ctx.actor.type === 'token' ? ctx.actor.userId : null;
  // Another MSP's or another user's session learns nothing about the link, and does not spend it.
  if (payload.m !== ctx.msp || payload.u !== userId) {
    throw new ConsentRefusedError(
      'This consent link was created by another Tenantwatch user. Open it while signed in as the user who created it, or create a new link.',
    );
  }
  if (payload.e * 1000 <= Date.now())
    throw new ConsentRefusedError(`This consent link has expired (links work for ${CONSENT_LINK_MINUTES} minutes). Create a new link on the tenants page.`);
  authorize(ctx, 'tenant.write');

  return ctx.db.transaction(async (tx) => {
    // Two callbacks with the same state (a double click, a replay) are serialised here.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`tenantwatch.consent:${payload.n}`}, 0))`);
    const rows = await tx
      .select({ action: auditLog.action, details: auditLog.details })
      .from(auditLog)
      .where(and(eq(auditLog.mspId, ctx.msp), eq(auditLog.targetType, 'consent_link'), eq(auditLog.targetId, payload.n)));
    const created = rows.find((r) => r.action === 'tenant.consent_link');
    const details = linkDetails.safeParse(created?.details);
    if (!details.success)
      throw new ConsentRefusedError('This consent link is not valid: Tenantwatch has no record of it. Create a new link on the tenants page.');
    if (rows.some((r) => r.action === 'tenant.consent_link_used')) {
      throw new ConsentRefusedError('This consent link was already used. Create a new link on the tenants page to connect the tenant again.');
    }
    // Checked but not spent while the browser goes on to sign in: it is spent when it comes back.
    if (spend) await writeAudit(tx, ctx, 'tenant.consent_link_used', { type: 'consent_link', id: payload.n });
    return { id: payload.n, ...details.data };
  });
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Marks the state Microsoft brings back from the sign-in that follows the consent. */
const SIGN_IN_STEP = '~signin';

/** The state for the sign-in after the consent: the same signed state, with the step marker. */
export function consentSignInState(state: string): string {
  return `${state}${SIGN_IN_STEP}`;
}

/** Which answer reached the callback: the admin consent's, or the sign-in's that follows it. */
export function readConsentStep(state: string | undefined): { state: string | undefined; step: 'consent' | 'sign-in' } {
  if (state?.endsWith(SIGN_IN_STEP)) return { state: state.slice(0, -SIGN_IN_STEP.length), step: 'sign-in' };
  return { state, step: 'consent' };
}

/**
 * The tenant to record, from the ID token of the sign-in after the consent (its `tid`, which
 * Microsoft signs), refused unless it is the tenant the consent was for.
 *
 * The signed-in person's membership of that tenant is all this needs to prove. The sign-in runs
 * in the browser that just went through admin consent, under the single-use state of the
 * Tenantwatch user who made the link, and Microsoft signs in to that tenant only its own accounts;
 * an MSP user who edits the consent answer's `tenant` cannot produce an ID token of a customer
 * they do not belong to. That the app holds consent in the tenant is confirmed separately, by
 * signing in as the app (confirmConsentedTenant), and a tenant another MSP holds stays refused.
 */
export function tenantFromSignIn(identity: { tenantId: string }, consentedTenant: string): string {
  const tid = identity.tenantId.toLowerCase();
  if (!GUID.test(tid) || tid !== consentedTenant.toLowerCase()) {
    throw new ConsentRefusedError(
      "The account that signed in after the consent belongs to another Microsoft 365 organisation than the one that granted consent, so nothing was added. Open the consent link again and sign in both times with an administrator of the customer's tenant.",
    );
  }
  return tid;
}

/** Microsoft's answer when consent was not given, in words an MSP admin can act on. */
export function describeConsentError(error: string, description: string | undefined): string {
  const code = /AADSTS(\d+)/.exec(description ?? '')?.[1];
  if (code === '65004') return "The administrator declined the permissions on Microsoft's consent page, so the tenant was not added.";
  if (code === '90094' || code === '90008') {
    return "The account that signed in is not allowed to grant permissions for the whole organisation: a Global Administrator (or Privileged Role Administrator) of the customer's tenant must open the consent link.";
  }
  if (error === 'access_denied') return "Consent was not granted on Microsoft's consent page, so the tenant was not added.";
  // Anything else: Microsoft's own first line (no trace ids), kept short.
  const first = (description ?? '').split(/\r?\n/)[0]?.trim().slice(0, 300);
  return `Microsoft did not grant consent (${error.slice(0, 60)})${first ? `: ${first}` : '.'}`;
}

/**
 * That the MSP app has consent in the tenant the consent answer names: Tenantwatch signs in to
 * it as the app (client credentials) and checks the `tid` of the token. Consent in a tenant is
 * not proof that this consent was in it (an earlier one counts too), so the tenant recorded
 * comes from the sign-in that follows (tenantFromSignIn).
 */
export async function confirmConsentedTenant(tokens: TokenProvider, tenantGuid: string | undefined): Promise<string> {
  if (!tenantGuid || !GUID.test(tenantGuid))
    throw new ConsentRefusedError("Microsoft's answer did not name the tenant that granted consent, so nothing was added. Try the consent link again.");
  let token: string;
  try {
    token = await tokens.getToken({ tenantGuid: tenantGuid.toLowerCase(), authMode: 'consent', clientId: null, credentialsEnc: null }, 'graph', {
      fresh: true,
    });
  } catch {
    throw new ConsentRefusedError(
      'Microsoft did not confirm the consent: the MSP app cannot sign in to the tenant, so nothing was added. Microsoft can take a few minutes to apply a new consent; try the consent link again shortly.',
    );
  }
  let tid: unknown;
  try {
    tid = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { tid?: unknown }).tid;
  } catch {
    tid = undefined;
  }
  if (typeof tid !== 'string' || !GUID.test(tid) || tid.toLowerCase() !== tenantGuid.toLowerCase()) {
    throw new ConsentRefusedError('Microsoft did not confirm the tenant named in its answer, so nothing was added. Try the consent link again.');
  }
  return tid.toLowerCase();
}

/**
 * Adds the consented tenant to the MSP, or switches an existing one to the MSP app (its own app
 * credentials are dropped: they are no longer used). `tenantGuid` must come from
 * confirmConsentedTenant. A tenant another MSP holds is refused. Returns the tenant and whether it is new.
 */
export async function recordConsentedTenant({ ctx, link, tenantGuid }: { ctx: Ctx; link: ConsentLink; tenantGuid: string }) {
  authorize(ctx, 'tenant.write');
  if (!GUID.test(tenantGuid))
    throw new ConsentRefusedError("Microsoft's answer did not name the tenant that granted consent, so nothing was added. Try the consent link again.");
  const guid = tenantGuid.toLowerCase();
  if (link.tenant && GUID.test(link.tenant) && link.tenant.toLowerCase() !== guid) {
    throw new ConsentRefusedError(
      `Consent was granted in tenant ${guid}, but the link was made for tenant ${link.tenant.toLowerCase()}; nothing was added. Sign in with an administrator of the intended tenant.`,
    );
  }
  try {
    const updated = await ctx.db.transaction(async (tx) => {
      await assertTenantFree(tx, ctx.msp, guid, 'consent');
      const [row] = await tx
        .update(tenant)
        .set({ authMode: 'consent', clientId: null, credentialsEnc: null, updatedAt: new Date() })
        .where(and(eq(tenant.mspId, ctx.msp), eq(tenant.tenantGuid, guid)))
        .returning();
      if (row) await writeAudit(tx, ctx, 'tenant.update', { type: 'tenant', id: row.id }, { authMode: 'consent', via: 'admin_consent', consentLink: link.id });
      return row;
    });
    if (updated) return { tenant: toTenantView(updated, []), created: false };
    const created = await createTenant({
      ctx,
      input: { name: link.name, tenantGuid: guid, primaryDomain: link.primaryDomain, auth: { mode: 'consent' } },
      consented: true,
    });
    return { tenant: created, created: true };
  } catch (err) {
    if (isConsentTenantTaken(err)) throw new ConsentRefusedError(`The tenant could not be added: ${TENANT_HELD_ELSEWHERE}`);
    if (err instanceof ValidationError || err instanceof ConflictError) throw new ConsentRefusedError(`The tenant could not be added: ${err.message}`);
    throw err;
  }
}
