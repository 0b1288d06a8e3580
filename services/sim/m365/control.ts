/**
 * The simulator's control API under /_sim (JSON), for tests, benchmarks and the demo:
 * list and add tenants and apps, inject activity, move the clock, set faults, read the
 * request log and entity state. Not part of any Microsoft surface.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { deliveryFaultsSchema, tenantFaultsSchema } from './faults.ts';
import { jsonResponse } from './http-util.ts';
import {
  CONTENT_TYPES,
  isContentType,
  type AuditRecord,
  type DirectoryAudit,
  type GraphUser,
  type RiskDetection,
  type RiskyUser,
  type SecurityAlert,
  type SignIn,
} from './records.ts';
import { findUser, type AppRegistration, type AuditInput, type SimState, type SimTenant, type TenantScenario } from './state.ts';
import type { MessageRule, TransportRule } from './directory.ts';
import type { SimEnv } from './env.ts';
import { userMethods } from './authentication-methods.ts';
import {
  applyAuditedMailboxChanges,
  findMailbox,
  hasMailbox,
  inboxRuleObject,
  inboxRules,
  mailboxObject,
  normalizeForwardingSmtpAddress,
  setMailboxForwarding,
} from './mailboxes.ts';
import { currentRiskyUser } from './risky-users.ts';

export interface ControlHooks {
  /** Delivers webhook notifications for content that has become visible; awaited so callers can assert right after. */
  publishDue(): Promise<number>;
}

const looseRecord = z.record(z.string(), z.unknown());
const auditRecordSchema = looseRecord.refine(
  (r) => typeof r.Id === 'string' && typeof r.CreationTime === 'string' && typeof r.Operation === 'string' && typeof r.Workload === 'string',
  { message: 'an audit record needs at least Id, CreationTime, Operation and Workload' },
);
const auditInjectSchema = z.object({
  records: z.array(
    z.union([z.object({ record: auditRecordSchema, contentType: z.enum(CONTENT_TYPES).optional(), publishAt: z.string().optional() }), auditRecordSchema]),
  ),
  delivery: deliveryFaultsSchema.optional(),
});
const graphInjectSchema = z.object({
  users: z.array(looseRecord).optional(),
  signIns: z.array(looseRecord).optional(),
  directoryAudits: z.array(looseRecord).optional(),
  alerts: z.array(looseRecord).optional(),
  riskDetections: z.array(looseRecord).optional(),
  riskyUsers: z.array(looseRecord).optional(),
});
const messageRuleSchema = z.looseObject({
  id: z.string(),
  displayName: z.string(),
  sequence: z.number(),
  isEnabled: z.boolean(),
  hasError: z.boolean(),
  isReadOnly: z.boolean(),
});
const transportRuleSchema = z.looseObject({
  Identity: z.string(),
  Name: z.string(),
  Guid: z.string(),
  State: z.enum(['Enabled', 'Disabled']),
  Mode: z.enum(['Enforce', 'Audit', 'AuditAndNotify']),
  Priority: z.number().int(),
  Comments: z.string(),
  WhenChanged: z.string(),
});
const forwardingSchema = z.strictObject({
  ForwardingSmtpAddress: z.string().nullable().optional(),
  ForwardingAddress: z.string().nullable().optional(),
  DeliverToMailboxAndForward: z.boolean().optional(),
});
const clockSchema = z.object({ set: z.string().optional(), advanceMs: z.number().optional(), advance: z.string().optional() });

/** `90s`, `15m`, `2h`, `8d` → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

function tenantSummary(state: SimState, t: SimTenant): Record<string, unknown> {
  const now = state.now();
  return {
    id: t.id,
    displayName: t.displayName,
    initialDomain: t.initialDomain,
    domains: t.domains,
    consents: [...t.consents.values()],
    counts: {
      users: t.users.length,
      signIns: t.signIns.length,
      directoryAudits: t.directoryAudits.length,
      alerts: t.alerts.length,
      riskDetections: t.riskDetections.length,
      riskyUsers: t.riskyUsers.length,
      blobs: t.blobs.length,
      visibleBlobs: t.blobs.filter((b) => b.contentCreated <= now).length,
      auditRecords: t.blobs.reduce((n, b) => n + b.records.length, 0),
    },
    subscriptions: [...t.subscriptions.values()].map((s) => ({
      contentType: s.contentType,
      status: s.status,
      webhook: s.webhook,
      notifications: s.notifications.length,
    })),
    faults: t.faults,
  };
}

export function controlRoutes(state: SimState, hooks: ControlHooks): Hono<SimEnv> {
  const app = new Hono<SimEnv>();
  const bad = (message: string, status = 400): Response => jsonResponse({ error: { code: 'BadRequest', message } }, status);
  const readJson = async (c: Context): Promise<unknown> => {
    try {
      return await c.req.json();
    } catch {
      return undefined;
    }
  };
  const tenantOr404 = (c: Context<SimEnv>): SimTenant | Response => {
    const tenant = state.findTenant(c.req.param('id') ?? '');
    if (!tenant) return jsonResponse({ error: { code: 'NotFound', message: `tenant ${c.req.param('id') ?? ''} not found` } }, 404);
    c.set('tenantId', tenant.id);
    return tenant;
  };

  app.get('/_sim/tenants', (c) => c.json([...state.tenants.values()].map((t) => tenantSummary(state, t))));

  app.post('/_sim/tenants', async (c) => {
    const body = (await readJson(c)) as TenantScenario | undefined;
    if (!body || typeof body.tenantId !== 'string' || typeof body.initialDomain !== 'string' || !Array.isArray(body.consents)) {
      return bad('a tenant needs tenantId, displayName, initialDomain and consents');
    }
    if (state.tenants.has(body.tenantId.toLowerCase())) return bad(`tenant ${body.tenantId} already exists`, 409);
    let tenant: SimTenant;
    try {
      tenant = state.addTenant(body);
    } catch (error) {
      return bad(error instanceof Error ? error.message : 'invalid tenant');
    }
    await hooks.publishDue();
    return c.json(tenantSummary(state, tenant), 201);
  });

  app.post('/_sim/apps', async (c) => {
    const body = (await readJson(c)) as AppRegistration | undefined;
    if (!body || typeof body.appId !== 'string' || typeof body.displayName !== 'string') return bad('an app needs appId and displayName');
    state.registerApp(body);
    return c.json({ appId: body.appId, displayName: body.displayName }, 201);
  });

  app.get('/_sim/tenants/:id', (c) => {
    const tenant = tenantOr404(c);
    return tenant instanceof Response ? tenant : c.json(tenantSummary(state, tenant));
  });

  app.get('/_sim/tenants/:id/entities/:kind', (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const limit = Number(c.req.query('limit') ?? '1000');
    const kind = c.req.param('kind');
    const pick = (): unknown[] | undefined => {
      switch (kind) {
        case 'users':
          return tenant.users;
        case 'signIns':
          return tenant.signIns.map((t) => t.value);
        case 'directoryAudits':
          return tenant.directoryAudits.map((t) => t.value);
        case 'alerts':
          return tenant.alerts.map((t) => t.value);
        case 'riskDetections':
          return tenant.riskDetections.map((t) => t.value);
        case 'riskyUsers':
          return tenant.riskyUsers.map((t) => t.value);
        case 'blobs':
          return tenant.blobs.map((b) => ({
            contentId: b.contentId,
            contentType: b.contentType,
            contentCreated: new Date(b.contentCreated).toISOString(),
            records: b.records.length,
            notified: b.notified,
          }));
        case 'auditRecords':
          return tenant.blobs.flatMap((b) => b.records);
        case 'subscriptions':
          return [...tenant.subscriptions.values()];
        case 'servicePrincipals':
          return tenant.directory.servicePrincipals;
        case 'messageRules':
          return [...tenant.directory.messageRules.entries()].map(([userId, rules]) => ({ userId, rules }));
        case 'transportRules':
          return tenant.directory.transportRules;
        case 'drives':
          return tenant.directory.drives;
        case 'teams':
          return tenant.directory.teams;
        case 'oauth2PermissionGrants':
          return tenant.directory.oauth2PermissionGrants;
        case 'appRoleAssignments':
          return tenant.directory.appRoleAssignments;
        case 'registrationDetails':
          return tenant.directory.registrationDetails;
        case 'mailboxes':
          return tenant.users.filter(hasMailbox).map((u) => mailboxObject(tenant, u));
        default:
          return undefined;
      }
    };
    const items = pick();
    if (!items) return bad(`unknown entity kind ${kind}`, 404);
    return c.json({ total: items.length, items: items.slice(0, Number.isFinite(limit) ? limit : 1000) });
  });

  app.post('/_sim/tenants/:id/audit', async (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const parsed = auditInjectSchema.safeParse(await readJson(c));
    if (!parsed.success) return bad(parsed.error.message);
    const inputs: AuditInput[] = parsed.data.records.map((item) =>
      'record' in item && typeof item.record === 'object'
        ? {
            record: item.record as unknown as AuditRecord,
            ...(typeof item.contentType === 'string' && isContentType(item.contentType) ? { contentType: item.contentType } : {}),
            ...(typeof item.publishAt === 'string' ? { publishAt: item.publishAt } : {}),
          }
        : { record: item as unknown as AuditRecord },
    );
    const blobs = state.ingestAudit(tenant, inputs, parsed.data.delivery ?? tenant.faults.delivery);
    applyAuditedMailboxChanges(
      tenant,
      inputs.map((i) => i.record),
    );
    const notified = await hooks.publishDue();
    return c.json(
      {
        blobs: blobs.map((b) => ({
          contentId: b.contentId,
          contentType: b.contentType,
          contentCreated: new Date(b.contentCreated).toISOString(),
          records: b.records.length,
        })),
        notified,
      },
      201,
    );
  });

  app.post('/_sim/tenants/:id/graph', async (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const parsed = graphInjectSchema.safeParse(await readJson(c));
    if (!parsed.success) return bad(parsed.error.message);
    const d = parsed.data;
    state.addGraphRecords(tenant, {
      ...(d.users ? { users: d.users as unknown as GraphUser[] } : {}),
      ...(d.signIns ? { signIns: d.signIns as unknown as SignIn[] } : {}),
      ...(d.directoryAudits ? { directoryAudits: d.directoryAudits as unknown as DirectoryAudit[] } : {}),
      ...(d.alerts ? { alerts: d.alerts as unknown as SecurityAlert[] } : {}),
      ...(d.riskDetections ? { riskDetections: d.riskDetections as unknown as RiskDetection[] } : {}),
      ...(d.riskyUsers ? { riskyUsers: d.riskyUsers as unknown as RiskyUser[] } : {}),
    });
    return c.json(tenantSummary(state, tenant), 201);
  });

  // Everything remediation can change about one user, in the shapes Graph and Exchange show.
  app.get('/_sim/tenants/:id/users/:userId', (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const key = c.req.param('userId').toLowerCase();
    const user = tenant.users.find((u) => u.id.toLowerCase() === key || u.userPrincipalName.toLowerCase() === key);
    if (!user) return bad(`user ${c.req.param('userId')} not found`, 404);
    const id = user.id.toLowerCase();
    return c.json({
      user,
      authenticationMethods: userMethods(tenant, user),
      registrationDetails: tenant.directory.registrationDetails.find((d) => d.id.toLowerCase() === id) ?? null,
      messageRules: inboxRules(tenant, user),
      inboxRules: hasMailbox(user) ? inboxRules(tenant, user).map((r) => inboxRuleObject(tenant, user, r)) : [],
      mailbox: hasMailbox(user) ? mailboxObject(tenant, user) : null,
      riskyUser: currentRiskyUser(tenant, user.id, state.now())?.value ?? null,
      riskyUserHistory: tenant.directory.riskyUserHistory.get(id) ?? [],
      roleAssignments: tenant.directory.roleAssignments.filter((a) => a.principalId.toLowerCase() === id),
      oauth2PermissionGrants: tenant.directory.oauth2PermissionGrants.filter((g) => g.principalId?.toLowerCase() === id),
    });
  });

  // Set a mailbox's forwarding directly (what Set-Mailbox or OWA options would have done).
  app.put('/_sim/tenants/:id/mailboxes/:userId/forwarding', async (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const parsed = forwardingSchema.safeParse(await readJson(c));
    if (!parsed.success) return bad(parsed.error.message);
    const user = findMailbox(tenant, c.req.param('userId'));
    if (!user) return bad(`mailbox ${c.req.param('userId')} not found`, 404);
    const { ForwardingSmtpAddress, ForwardingAddress, DeliverToMailboxAndForward } = parsed.data;
    const smtp = ForwardingSmtpAddress ? normalizeForwardingSmtpAddress(ForwardingSmtpAddress) : null;
    if (ForwardingSmtpAddress && !smtp) return bad(`${ForwardingSmtpAddress} is not an SMTP address`);
    setMailboxForwarding(
      tenant,
      user,
      {
        ...(ForwardingSmtpAddress !== undefined ? { ForwardingSmtpAddress: smtp ?? null } : {}),
        ...(ForwardingAddress !== undefined ? { ForwardingAddress } : {}),
        ...(DeliverToMailboxAndForward !== undefined ? { DeliverToMailboxAndForward } : {}),
      },
      state.now(),
    );
    return c.json(mailboxObject(tenant, user));
  });

  // A drive item with its sharing permissions.
  app.get('/_sim/tenants/:id/drives/:driveId/items/:itemId', (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const drive = tenant.directory.drives.find((d) => d.id === c.req.param('driveId'));
    const item = drive?.items.find((i) => i.id === c.req.param('itemId'));
    if (!drive || !item) return bad(`item ${c.req.param('itemId')} not found in drive ${c.req.param('driveId')}`, 404);
    return c.json({ driveId: drive.id, siteUrl: drive.siteUrl, item });
  });

  // A service principal with its delegated grants and app role assignments (both sides).
  app.get('/_sim/tenants/:id/servicePrincipals/:spId', (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const key = c.req.param('spId').toLowerCase();
    const sp = tenant.directory.servicePrincipals.find((s) => s.id.toLowerCase() === key || s.appId.toLowerCase() === key);
    if (!sp) return bad(`service principal ${c.req.param('spId')} not found`, 404);
    const id = sp.id.toLowerCase();
    return c.json({
      servicePrincipal: sp,
      oauth2PermissionGrants: tenant.directory.oauth2PermissionGrants.filter((g) => g.clientId.toLowerCase() === id),
      appRoleAssignments: tenant.directory.appRoleAssignments.filter((a) => a.principalId.toLowerCase() === id),
      appRoleAssignedTo: tenant.directory.appRoleAssignments.filter((a) => a.resourceId.toLowerCase() === id),
    });
  });

  app.get('/_sim/tenants/:id/transportRules', (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    return c.json([...tenant.directory.transportRules].sort((a, b) => a.Priority - b.Priority));
  });

  // Replace one mailbox's inbox rules (what an admin or attacker did in Outlook since).
  app.put('/_sim/tenants/:id/mailboxes/:userId/messageRules', async (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const parsed = z.array(messageRuleSchema).safeParse(await readJson(c));
    if (!parsed.success) return bad(parsed.error.message);
    const userId = c.req.param('userId').toLowerCase();
    const user = tenant.users.find((u) => u.id.toLowerCase() === userId || u.userPrincipalName.toLowerCase() === userId);
    if (!user) return bad(`user ${c.req.param('userId')} not found`, 404);
    tenant.directory.messageRules.set(user.id.toLowerCase(), parsed.data as MessageRule[]);
    return c.json({ userId: user.id, rules: parsed.data });
  });

  // Set the password a user signs in with on the simulated sign-in page.
  app.put('/_sim/tenants/:id/users/:userId/password', async (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const parsed = z.object({ password: z.string().min(1) }).safeParse(await readJson(c));
    if (!parsed.success) return bad('expected {"password": "…"}');
    const user = findUser(tenant, c.req.param('userId'));
    if (!user) return bad(`user ${c.req.param('userId')} not found`, 404);
    tenant.passwords.set(user.id.toLowerCase(), parsed.data.password);
    return c.body(null, 204);
  });

  // Replace the organisation's transport rules.
  app.put('/_sim/tenants/:id/transportRules', async (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const parsed = z.array(transportRuleSchema).safeParse(await readJson(c));
    if (!parsed.success) return bad(parsed.error.message);
    tenant.directory.transportRules = parsed.data as TransportRule[];
    return c.json(tenant.directory.transportRules);
  });

  app.get('/_sim/tenants/:id/faults', (c) => {
    const tenant = tenantOr404(c);
    return tenant instanceof Response ? tenant : c.json(tenant.faults);
  });

  app.put('/_sim/tenants/:id/faults', async (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const parsed = tenantFaultsSchema.safeParse(await readJson(c));
    if (!parsed.success) return bad(parsed.error.message);
    tenant.faults = parsed.data;
    return c.json(tenant.faults);
  });

  app.get('/_sim/clock', (c) => c.json({ now: new Date(state.now()).toISOString(), frozen: state.clock.frozen }));

  app.post('/_sim/clock', async (c) => {
    const parsed = clockSchema.safeParse(await readJson(c));
    if (!parsed.success) return bad(parsed.error.message);
    const { set, advanceMs, advance } = parsed.data;
    if (set !== undefined) {
      const ms = Date.parse(set);
      if (!Number.isFinite(ms)) return bad(`invalid instant ${set}`);
      state.clock.set(ms);
    }
    const delta = advanceMs ?? (advance !== undefined ? parseDuration(advance) : 0);
    if (delta === undefined) return bad(`invalid duration ${advance ?? ''}`);
    if (delta < 0) return bad('the clock does not go backwards through advance; use set');
    if (delta > 0) state.clock.advance(delta);
    const notified = await hooks.publishDue();
    return c.json({ now: new Date(state.now()).toISOString(), frozen: state.clock.frozen, notified });
  });

  app.post('/_sim/notifications/flush', async (c) => c.json({ notified: await hooks.publishDue() }));

  app.get('/_sim/requests', (c) => {
    const since = Number(c.req.query('since') ?? '0');
    const api = c.req.query('api');
    const tenant = c.req.query('tenant')?.toLowerCase();
    const items = state.requestLog.filter((r) => r.seq > since && (!api || r.api === api) && (!tenant || r.tenantId === tenant));
    return c.json({ items });
  });

  app.delete('/_sim/requests', (c) => {
    state.requestLog.length = 0;
    return c.body(null, 204);
  });

  return app;
}
