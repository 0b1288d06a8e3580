/**
 * What several actions share: turning Microsoft's failures into RemediationErrors in plain
 * words, finding a user, a mailbox's inbox rule, a shared item and an app's service principal
 * from an entity key, and the Entra refusal to touch administrators explained.
 */
import type { MicrosoftAnswer, MicrosoftFailure } from '../../microsoft/answer.ts';
import { parseInboxRuleKey } from '../../../enrichment/entities/inbox-rule.ts';
import { encodeSharingUrl } from '../../../enrichment/entities/link.ts';
import { RemediationError, type ActionContext, type ActionTarget, type Json, type JsonObject, type PermissionNeed } from './types.ts';

/** A failed call as a RemediationError; `notFound` is the words for a 404 (the target is gone). */
export function failure(f: MicrosoftFailure, words: { notFound?: string } = {}): RemediationError {
  if (f.status === 404 && words.notFound) return new RemediationError(words.notFound, 'not-found');
  const kind = f.error.kind;
  if (kind === 'throttled') return new RemediationError(f.error.message, 'throttled', f.retryAfterSeconds);
  if (kind === 'transient' || f.status === 0) return new RemediationError(f.error.message, 'transient', f.retryAfterSeconds);
  if (kind === 'permission') return new RemediationError(f.error.message, 'permission');
  if (f.status === 404) return new RemediationError(f.error.message, 'not-found');
  return new RemediationError(f.error.message, 'refused');
}

export function must<T>(answer: MicrosoftAnswer<T>, words: { notFound?: string } = {}): T {
  if (answer.ok) return answer.body;
  throw failure(answer.failure, words);
}

/** Checked before any change: "this tenant has not granted X" rather than a raw 403 halfway. */
export async function requirePermission(ctx: ActionContext, need: PermissionNeed, actionTitle: string): Promise<void> {
  let granted: string[];
  try {
    granted = await ctx.grantedRoles(need.resource);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new RemediationError(message, 'transient');
  }
  const accepted = [need.permission, ...(need.alsoAccepted ?? [])].map((p) => p.toLowerCase());
  if (granted.some((g) => accepted.includes(g.toLowerCase()))) return;
  const api = need.resource === 'graph' ? 'Microsoft Graph' : 'Office 365 Exchange Online';
  throw new RemediationError(
    `${actionTitle} needs the ${need.permission} application permission (${api}), and this tenant has not granted ${need.permission} to the Tenantwatch app. An administrator of the tenant can grant it with admin consent; nothing was changed.`,
    'permission',
  );
}

export interface UserBody {
  id: string;
  userPrincipalName: string;
  displayName?: string | null;
  accountEnabled?: boolean | null;
  mail?: string | null;
}

export async function findUser(ctx: ActionContext, key: string): Promise<UserBody> {
  return must(
    await ctx.graph.get<UserBody>(`/users/${encodeURIComponent(key)}`, { query: { $select: 'id,userPrincipalName,displayName,accountEnabled,mail' } }),
    {
      notFound: `The user ${key} no longer exists in the tenant.`,
    },
  );
}

/** The user an entity names: a user entity's UPN, or a mailbox's owner. */
export function userKeyOf(target: ActionTarget): string {
  if (target.kind === 'inbox_rule') return parseInboxRuleKey(target.key)?.mailbox ?? target.key;
  return target.key;
}

/**
 * Entra refuses to block, reset or change the methods of an administrator unless the app holds
 * an admin role itself, with the same 403 as a missing permission. The permission was checked
 * first, so a 403 on such a call means this: say so, with the roles the user holds.
 */
export async function explainAdminRefusal(ctx: ActionContext, user: UserBody, f: MicrosoftFailure, what: string): Promise<RemediationError> {
  if (f.status !== 403) return failure(f);
  const roles = await ctx.graph.get<{ value: { roleDefinition?: { displayName?: string } | null }[] }>('/roleManagement/directory/roleAssignments', {
    query: { $filter: `principalId eq '${user.id}'`, $expand: 'roleDefinition' },
  });
  const names = roles.ok ? [...new Set(roles.body.value.map((r) => r.roleDefinition?.displayName).filter((n): n is string => !!n))] : [];
  const holds = names.length > 0 ? `holds the ${names.join(', ')} role${names.length > 1 ? 's' : ''}` : 'may hold an administrator role';
  return new RemediationError(
    `Microsoft Entra refused to ${what} ${user.userPrincipalName}: the user ${holds}, and Entra lets an app change an administrator's sign-in only when the app itself holds the Privileged Authentication Administrator (or Global Administrator) role in the tenant. Assign that role to the Tenantwatch app, or do this in the Microsoft Entra admin center.`,
    'refused',
  );
}

export interface InboxRuleRef {
  mailbox: string;
  /** Exchange's identity, `mailbox\RuleIdentity`, for the cmdlets. */
  identity: string;
  name: string;
  enabled: boolean;
}

interface ExchangeInboxRule {
  Name?: string;
  Identity?: string;
  RuleIdentity?: string | number;
  Enabled?: boolean;
}

/** The inbox rule an entity key names (`mailbox\rule name or id`), read through Exchange. */
export async function findInboxRule(ctx: ActionContext, key: string): Promise<InboxRuleRef | undefined> {
  const parsed = parseInboxRuleKey(key);
  if (!parsed) throw new RemediationError(`"${key}" does not name an inbox rule (expected mailbox\\rule).`, 'unsupported');
  const rules = must(await ctx.exchange.invoke<ExchangeInboxRule>('Get-InboxRule', { Mailbox: parsed.mailbox }), {
    notFound: `The mailbox ${parsed.mailbox} no longer exists.`,
  });
  const wanted = parsed.rule;
  const rule =
    rules.find((r) => r.Name === wanted) ??
    rules.find((r) => String(r.RuleIdentity ?? '') === wanted) ??
    rules.find((r) => (r.Identity ?? '').endsWith(`\\${wanted}`));
  if (!rule) return undefined;
  return {
    mailbox: parsed.mailbox,
    identity: rule.Identity ?? `${parsed.mailbox}\\${String(rule.RuleIdentity ?? wanted)}`,
    name: rule.Name ?? wanted,
    enabled: rule.Enabled !== false,
  };
}

export interface SharedItem {
  driveId: string;
  itemId: string;
  name: string | null;
  permissions: { id: string; scope: string | null; type: string | null; inherited: boolean; webUrl: string | null }[];
}

interface PermissionBody {
  id: string;
  link?: { scope?: string | null; type?: string | null; webUrl?: string | null } | null;
  inheritedFrom?: unknown;
}

/** A link entity's item (its URL, or drives/{id}/items/{id}) with its sharing permissions. */
export async function findSharedItem(ctx: ActionContext, key: string): Promise<SharedItem> {
  const direct = /^\/?drives\/([^/]+)\/items\/([^/]+)$/.exec(key.trim());
  const path = direct
    ? `/drives/${encodeURIComponent(direct[1] ?? '')}/items/${encodeURIComponent(direct[2] ?? '')}`
    : /^https:\/\//i.test(key.trim())
      ? `/shares/${encodeSharingUrl(key.trim())}/driveItem`
      : undefined;
  if (!path) throw new RemediationError(`"${key}" does not name a shared file or folder (expected its URL).`, 'unsupported');
  const gone = 'The shared file or folder no longer exists: it was deleted or moved.';
  const item = must(await ctx.graph.get<{ id: string; name?: string; parentReference?: { driveId?: string } }>(path), { notFound: gone });
  const driveId = item.parentReference?.driveId;
  if (!driveId) throw new RemediationError('Microsoft Graph did not say which library holds the item.', 'refused');
  const permissions = must(
    await ctx.graph.get<{ value: PermissionBody[] }>(`/drives/${encodeURIComponent(driveId)}/items/${encodeURIComponent(item.id)}/permissions`),
    { notFound: gone },
  );
  return {
    driveId,
    itemId: item.id,
    name: item.name ?? null,
    permissions: permissions.value.map((p) => ({
      id: p.id,
      scope: p.link?.scope ?? null,
      type: p.link?.type ?? null,
      inherited: !!p.inheritedFrom,
      webUrl: p.link?.webUrl ?? null,
    })),
  };
}

export interface ServicePrincipalRef {
  id: string;
  appId: string;
  displayName: string;
  accountEnabled: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An app entity (application id or service principal object id) as its service principal in the tenant. */
export async function findServicePrincipal(ctx: ActionContext, key: string): Promise<ServicePrincipalRef> {
  if (!GUID.test(key)) throw new RemediationError(`"${key}" does not name an app (expected its application id).`, 'unsupported');
  const byAppId = must(
    await ctx.graph.get<{ value: ServicePrincipalRef[] }>('/servicePrincipals', {
      query: { $filter: `appId eq '${key}'`, $select: 'id,appId,displayName,accountEnabled' },
    }),
  );
  const found =
    byAppId.value[0] ??
    must(await ctx.graph.get<ServicePrincipalRef>(`/servicePrincipals/${key}`, { query: { $select: 'id,appId,displayName,accountEnabled' } }), {
      notFound: `The app ${key} is no longer in the tenant.`,
    });
  return { id: found.id, appId: found.appId, displayName: found.displayName, accountEnabled: found.accountEnabled !== false };
}

/** A JSON-safe copy of an answer body for the history. */
export function asJson(value: unknown): Json {
  return JSON.parse(JSON.stringify(value ?? null)) as Json;
}

export const done = (answer: JsonObject, alreadyDone = false) => ({ answer, alreadyDone });
