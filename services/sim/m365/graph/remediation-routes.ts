/**
 * The Graph v1.0 writes remediation uses, each changing the simulated state, and the reads
 * that show their effect: block sign-in and reset password (PATCH /users), revoke sessions,
 * authentication methods (list, delete), inbox rules (PATCH, DELETE), sharing permissions
 * (DELETE), service principals (PATCH accountEnabled), delegated grants and app role
 * assignments (DELETE), and Identity Protection's confirmCompromised / dismiss with history.
 *
 * Permissions are checked before the object is looked up, as Graph does, so a caller without
 * the role learns nothing about which ids exist. A 403 uses the error of the resource's family
 * (the same as its reads): `Authorization_RequestDenied` for directory objects and
 * authentication methods, `ErrorAccessDenied` for mailbox rules, `accessDenied` for drives and
 * Identity Protection.
 */
import type { Context, Hono } from 'hono';
import { randomUUID } from 'node:crypto';
import { toGraphTime } from '../clock.ts';
import { requestOrigin } from '../http-util.ts';
import type { SimEnv } from '../env.ts';
import type { SimState, SimTenant } from '../state.ts';
import type { GraphUser } from '../records.ts';
import type { MessageRule } from '../directory.ts';
import { collectionOf, deleteUserMethod, isMethodCollection, userMethods, type AuthenticationMethod } from '../authentication-methods.ts';
import { applyRiskAction, currentRiskyUser, type RiskAction } from '../risky-users.ts';
import { graphErrors, type GraphErrorSpec } from './errors.ts';
import { recordDirectoryChanges, recordSharingRemoval, recordTeamsAppRemoval, writeActor, type DirectoryChange } from '../write-audit.ts';
import { BUILT_IN_ROLES } from '../directory.ts';
import { directoryDenied, filesDenied, findInbox, findUser, itemNotFound, mailboxItemNotFound, outlookDenied, type GraphJson } from './directory-routes.ts';

type Fail = (c: Context<SimEnv>, spec: GraphErrorSpec) => Response;

const WRITE_ROLES = {
  userProfile: ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  // Directory.ReadWrite.All does not include resetting passwords.
  password: ['User.ReadWrite.All', 'User-PasswordProfile.ReadWrite.All'],
  revokeSessions: ['User.RevokeSessions.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  readMethods: ['UserAuthenticationMethod.Read.All', 'UserAuthenticationMethod.ReadWrite.All'],
  writeMethods: ['UserAuthenticationMethod.ReadWrite.All'],
  mailboxSettings: ['MailboxSettings.ReadWrite'],
  files: ['Files.ReadWrite.All', 'Sites.ReadWrite.All', 'Sites.Manage.All', 'Sites.FullControl.All'],
  servicePrincipal: ['Application.ReadWrite.All'],
  grants: ['DelegatedPermissionGrant.ReadWrite.All', 'Directory.ReadWrite.All'],
  grantsRead: ['DelegatedPermissionGrant.Read.All', 'DelegatedPermissionGrant.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  appRoleAssignments: ['AppRoleAssignment.ReadWrite.All', 'Directory.ReadWrite.All'],
  appsRead: ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  risk: ['IdentityRiskyUser.ReadWrite.All'],
  teamsRead: ['Team.ReadBasic.All', 'TeamSettings.Read.All', 'TeamSettings.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  teamsAppsRead: [
    'TeamsAppInstallation.ReadForTeam.All',
    'TeamsAppInstallation.ReadWriteForTeam.All',
    'Group.Read.All',
    'Group.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
  teamsAppsWrite: ['TeamsAppInstallation.ReadWriteForTeam.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  riskRead: ['IdentityRiskyUser.Read.All', 'IdentityRiskyUser.ReadWrite.All'],
} as const;

const riskDenied = (): GraphErrorSpec => ({ status: 403, code: 'accessDenied', message: 'Request Authorization failed' });
const unreadableBody = (): GraphErrorSpec =>
  graphErrors.badRequest('Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
const undeclared = (property: string): GraphErrorSpec =>
  graphErrors.badRequest(`Property '${property}' does not exist as a declared property or extension property.`, 'Request_BadRequest');
const readOnly = (property: string): GraphErrorSpec => graphErrors.badRequest(`Property '${property}' is read-only and cannot be set.`, 'Request_BadRequest');
const invalidValue = (property: string): GraphErrorSpec =>
  graphErrors.badRequest(
    `Invalid value specified for property '${property}' of resource '${property === 'accountEnabled' ? 'User' : 'Object'}'.`,
    'Request_BadRequest',
  );
export const weakPassword = (): GraphErrorSpec =>
  graphErrors.badRequest(
    'The specified password does not comply with password complexity requirements. Please provide a different password.',
    'Request_BadRequest',
  );
const methodNotFound = (): GraphErrorSpec => ({ status: 404, code: 'itemNotFound', message: 'The requested authentication method was not found.' });

/**
 * Entra ID's password policy for cloud accounts: 8 to 256 characters from the allowed set
 * (letters, digits, space and `@#$%^&*-_!+=[]{}|\:',.?/`~"();<>`), at least three of
 * lowercase, uppercase, digits and symbols.
 */
export function isComplexPassword(password: string): boolean {
  if (password.length < 8 || password.length > 256) return false;
  if (!/^[A-Za-z0-9 @#$%^&*\-_!+=[\]{}|\\:',.?/`~"();<>]+$/.test(password)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  return classes >= 3;
}

/** Writable user properties this simulator stores as given (strings, or null to clear). */
const USER_TEXT_PROPERTIES = new Set([
  'displayName',
  'givenName',
  'surname',
  'jobTitle',
  'department',
  'officeLocation',
  'mobilePhone',
  'usageLocation',
  'preferredLanguage',
  'companyName',
  'city',
  'country',
  'employeeId',
]);
const USER_READ_ONLY = new Set([
  'id',
  'createdDateTime',
  'lastPasswordChangeDateTime',
  'signInActivity',
  'signInSessionsValidFromDateTime',
  'assignedLicenses',
  'mail',
  'userType',
]);

function noContent(c: Context): Response {
  const requestId = randomUUID();
  return new Response(null, { status: 204, headers: { 'request-id': requestId, 'client-request-id': c.req.header('client-request-id') ?? requestId } });
}

async function readObject(c: Context): Promise<Record<string, unknown> | undefined> {
  try {
    const body: unknown = await c.req.json();
    return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Entra protects administrators' sensitive properties (account enabled, password, phones,
 * authentication methods): an app-only caller needs an admin role of its own, whatever its Graph
 * permissions. Limited admin roles may be changed by a User Administrator; every other admin
 * role only by a Global or Privileged Authentication Administrator. The refusal is the same 403
 * `Authorization_RequestDenied` as a missing permission.
 */
const ROLE = Object.fromEntries(BUILT_IN_ROLES.map((r) => [r.displayName, r.id]));
const LIMITED_ADMIN_ROLES = new Set([ROLE['Helpdesk Administrator'], ROLE['Directory Readers'], ROLE['Global Reader'], ROLE['User Administrator']]);
const PRIVILEGED_WRITERS = [ROLE['Global Administrator'], ROLE['Privileged Authentication Administrator']];
const LIMITED_WRITERS = [...PRIVILEGED_WRITERS, ROLE['User Administrator']];

export function mayChangeSensitiveProperties(tenant: SimTenant, callerId: string, targetId: string): boolean {
  const rolesOf = (id: string): string[] =>
    tenant.directory.roleAssignments.filter((a) => a.principalId.toLowerCase() === id.toLowerCase()).map((a) => a.roleDefinitionId);
  const target = rolesOf(targetId);
  if (target.length === 0) return true;
  const caller = rolesOf(callerId);
  const needed = target.every((r) => LIMITED_ADMIN_ROLES.has(r)) ? LIMITED_WRITERS : PRIVILEGED_WRITERS;
  return caller.some((r) => needed.includes(r));
}

const SENSITIVE_USER_PROPERTIES = new Set(['accountEnabled', 'passwordProfile', 'mobilePhone', 'businessPhones', 'otherMails']);

function methodJson(method: AuthenticationMethod): AuthenticationMethod {
  return { ...method };
}

export function registerRemediationRoutes(app: Hono<SimEnv>, state: SimState, fail: Fail, graphJson: GraphJson): void {
  const tenantOf = (c: Context<SimEnv>): SimTenant => c.get('tenant') as SimTenant;
  const lacks = (c: Context<SimEnv>, anyOf: readonly string[]): boolean => {
    const roles = c.get('token')?.roles ?? [];
    return !anyOf.some((r) => roles.includes(r));
  };
  const actorId = (c: Context<SimEnv>): string => {
    const appId = c.get('appId') ?? '';
    const consent = tenantOf(c).consents.get(appId.toLowerCase());
    return consent ? state.servicePrincipalId(tenantOf(c), consent) : appId;
  };
  const audit = (c: Context<SimEnv>, changes: DirectoryChange[]): void =>
    recordDirectoryChanges(state, tenantOf(c), writeActor(state, tenantOf(c), c.get('appId') ?? ''), changes);
  const userTarget = (user: GraphUser): DirectoryChange['target'] => ({
    id: user.id,
    displayName: user.displayName,
    type: 'User',
    userPrincipalName: user.userPrincipalName,
  });

  // Block or unblock sign-in, reset the password, or update simple profile properties.
  app.patch('/v1.0/users/:id', async (c) => {
    const body = await readObject(c);
    const changesPassword = body !== undefined && 'passwordProfile' in body;
    const changesOther = body !== undefined && Object.keys(body).some((k) => k !== 'passwordProfile');
    if ((changesPassword && lacks(c, WRITE_ROLES.password)) || ((changesOther || !changesPassword) && lacks(c, WRITE_ROLES.userProfile)))
      return fail(c, directoryDenied());
    if (!body) return fail(c, unreadableBody());
    const user = findUser(tenantOf(c), c.req.param('id'));
    if (!user) return fail(c, graphErrors.notFound(c.req.param('id')));
    if (Object.keys(body).some((k) => SENSITIVE_USER_PROPERTIES.has(k)) && !mayChangeSensitiveProperties(tenantOf(c), actorId(c), user.id))
      return fail(c, directoryDenied());

    const update: Partial<GraphUser> = {};
    for (const [key, value] of Object.entries(body)) {
      if (key === 'accountEnabled') {
        if (typeof value !== 'boolean') return fail(c, invalidValue(key));
        update.accountEnabled = value;
      } else if (key === 'passwordProfile') {
        const profile = value as { password?: unknown; forceChangePasswordNextSignIn?: unknown; forceChangePasswordNextSignInWithMfa?: unknown } | null;
        if (!profile || typeof profile !== 'object') return fail(c, invalidValue(key));
        const { password, forceChangePasswordNextSignIn = false, forceChangePasswordNextSignInWithMfa = false } = profile;
        if (password !== undefined && typeof password !== 'string') return fail(c, invalidValue('password'));
        if (typeof forceChangePasswordNextSignIn !== 'boolean' || typeof forceChangePasswordNextSignInWithMfa !== 'boolean') return fail(c, invalidValue(key));
        if (typeof password === 'string' && !isComplexPassword(password)) return fail(c, weakPassword());
        update.passwordProfile = { password: null, forceChangePasswordNextSignIn, forceChangePasswordNextSignInWithMfa };
        if (typeof password === 'string') {
          // A reset also invalidates refresh tokens (Entra logs "Update StsRefreshTokenValidFrom Timestamp.").
          update.lastPasswordChangeDateTime = toGraphTime(state.now());
          update.signInSessionsValidFromDateTime = toGraphTime(state.now());
        }
      } else if (USER_TEXT_PROPERTIES.has(key)) {
        if (value !== null && typeof value !== 'string') return fail(c, invalidValue(key));
        update[key] = value;
      } else if (USER_READ_ONLY.has(key)) {
        return fail(c, readOnly(key));
      } else {
        return fail(c, undeclared(key));
      }
    }
    const changes: DirectoryChange[] = [];
    const before = { ...user };
    Object.assign(user, update);
    const target = userTarget(user);
    const changed = Object.keys(update).filter((k) => k !== 'passwordProfile' && k !== 'lastPasswordChangeDateTime' && k !== 'signInSessionsValidFromDateTime');
    if (update.accountEnabled !== undefined && update.accountEnabled !== before.accountEnabled) {
      changes.push({
        operation: update.accountEnabled ? 'Enable account.' : 'Disable account.',
        category: 'UserManagement',
        operationType: 'Update',
        target,
        modifiedProperties: [{ name: 'AccountEnabled', oldValue: before.accountEnabled, newValue: update.accountEnabled }],
      });
    }
    if (update.lastPasswordChangeDateTime) changes.push({ operation: 'Reset user password.', category: 'UserManagement', operationType: 'Update', target });
    if (changed.length > 0 || update.passwordProfile) {
      changes.push({
        operation: 'Update user.',
        category: 'UserManagement',
        operationType: 'Update',
        target,
        modifiedProperties: changed.map((k) => ({ name: k === 'accountEnabled' ? 'AccountEnabled' : k, oldValue: before[k], newValue: update[k] })),
      });
    }
    if (changes.length > 0) audit(c, changes);
    return noContent(c);
  });

  app.post('/v1.0/users/:id/revokeSignInSessions', (c) => {
    if (lacks(c, WRITE_ROLES.revokeSessions)) return fail(c, directoryDenied());
    const user = findUser(tenantOf(c), c.req.param('id'));
    if (!user) return fail(c, graphErrors.notFound(c.req.param('id')));
    const previous = user.signInSessionsValidFromDateTime;
    user.signInSessionsValidFromDateTime = toGraphTime(state.now());
    audit(c, [
      {
        operation: 'Update user.',
        category: 'UserManagement',
        operationType: 'Update',
        target: userTarget(user),
        modifiedProperties: [{ name: 'StsRefreshTokensValidFrom', oldValue: previous ?? null, newValue: user.signInSessionsValidFromDateTime }],
      },
    ]);
    return graphJson(c, { '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#Edm.Boolean`, value: true });
  });

  // /users/{id}/authentication/methods and the typed collections (phoneMethods, fido2Methods…).
  const methodsOf = (c: Context<SimEnv>): { error: Response } | { user: GraphUser; collection: string } => {
    const collection = c.req.param('collection') ?? '';
    if (collection !== 'methods' && !isMethodCollection(collection)) return { error: fail(c, graphErrors.noRoute(c.req.path)) };
    const user = findUser(tenantOf(c), c.req.param('id') ?? '');
    if (!user) return { error: fail(c, graphErrors.notFound(c.req.param('id') ?? '')) };
    return { user, collection };
  };
  const inCollection =
    (collection: string) =>
    (m: AuthenticationMethod): boolean =>
      collection === 'methods' || collectionOf(m) === collection;

  app.get('/v1.0/users/:id/authentication/:collection', (c) => {
    if (lacks(c, WRITE_ROLES.readMethods)) return fail(c, directoryDenied());
    const found = methodsOf(c);
    if ('error' in found) return found.error;
    const value = userMethods(tenantOf(c), found.user).filter(inCollection(found.collection)).map(methodJson);
    return graphJson(c, { '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#users('${found.user.id}')/authentication/${found.collection}`, value });
  });

  app.get('/v1.0/users/:id/authentication/:collection/:methodId', (c) => {
    if (lacks(c, WRITE_ROLES.readMethods)) return fail(c, directoryDenied());
    const found = methodsOf(c);
    if ('error' in found) return found.error;
    const method = userMethods(tenantOf(c), found.user)
      .filter(inCollection(found.collection))
      .find((m) => m.id.toLowerCase() === c.req.param('methodId').toLowerCase());
    if (!method) return fail(c, methodNotFound());
    return graphJson(c, {
      '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#users('${found.user.id}')/authentication/${found.collection}/$entity`,
      ...methodJson(method),
    });
  });

  app.delete('/v1.0/users/:id/authentication/:collection/:methodId', (c) => {
    if (lacks(c, WRITE_ROLES.writeMethods)) return fail(c, directoryDenied());
    const found = methodsOf(c);
    if ('error' in found) return found.error;
    // Methods are deleted through their typed collection only; /methods/{id} lists them.
    if (!isMethodCollection(found.collection))
      return fail(c, {
        status: 405,
        code: 'methodNotAllowed',
        message: 'The requested method is not supported for this resource. Delete the method through its typed collection, e.g. phoneMethods.',
      });
    if (!mayChangeSensitiveProperties(tenantOf(c), actorId(c), found.user.id)) return fail(c, directoryDenied());
    const result = deleteUserMethod(tenantOf(c), found.user, found.collection, c.req.param('methodId'), state.now());
    if (result.ok) {
      audit(c, [
        {
          operation: 'Admin deleted security info.',
          category: 'UserManagement',
          operationType: 'Delete',
          loggedByService: 'Authentication Methods',
          target: userTarget(found.user),
          modifiedProperties: [{ name: 'MethodType', oldValue: found.collection, newValue: null }],
        },
      ]);
      return noContent(c);
    }
    switch (result.reason) {
      case 'not-found':
        return fail(c, methodNotFound());
      case 'not-deletable':
        return fail(c, graphErrors.badRequest('The password method cannot be deleted. Reset the password instead.', 'badRequest'));
      case 'default-method':
        return fail(
          c,
          graphErrors.badRequest(
            "This method is the user's default authentication method and cannot be deleted while the user has other methods. Change the default method, then delete it.",
            'badRequest',
          ),
        );
    }
  });

  // Inbox rules: disable (or otherwise update) and delete.
  const ruleOf = (c: Context<SimEnv>): { error: Response } | { rules: MessageRule[]; rule: MessageRule; userId: string } => {
    const found = findInbox(tenantOf(c), c.req.param('id') ?? '', c.req.param('folder') ?? '');
    if ('error' in found) return { error: fail(c, found.error) };
    const rule = found.rules.find((r) => r.id === c.req.param('ruleId'));
    if (!rule) return { error: fail(c, mailboxItemNotFound()) };
    return { rules: found.rules, rule, userId: found.user.id };
  };

  app.patch('/v1.0/users/:id/mailFolders/:folder/messageRules/:ruleId', async (c) => {
    if (lacks(c, WRITE_ROLES.mailboxSettings)) return fail(c, outlookDenied());
    const found = ruleOf(c);
    if ('error' in found) return found.error;
    const body = await readObject(c);
    if (!body) return fail(c, unreadableBody());
    const update: Partial<MessageRule> = {};
    for (const [key, value] of Object.entries(body)) {
      const wrongType = (): Response =>
        fail(c, graphErrors.badRequest(`Cannot convert the literal '${JSON.stringify(value)}' to the expected type of property '${key}'.`, 'RequestBodyRead'));
      switch (key) {
        case 'displayName':
          if (typeof value !== 'string' || value.length === 0) return wrongType();
          update.displayName = value;
          break;
        case 'isEnabled':
          if (typeof value !== 'boolean') return wrongType();
          update.isEnabled = value;
          break;
        case 'sequence':
          if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) return wrongType();
          update.sequence = value;
          break;
        case 'conditions':
        case 'exceptions':
        case 'actions':
          if (!value || typeof value !== 'object' || Array.isArray(value)) return wrongType();
          update[key] = value as Record<string, unknown>;
          break;
        default:
          return fail(
            c,
            graphErrors.badRequest(
              `The property '${key}' does not exist on type 'Microsoft.OutlookServices.MessageRule'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
              'RequestBodyRead',
            ),
          );
      }
    }
    Object.assign(found.rule, update);
    return graphJson(c, {
      '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#users('${found.userId}')/mailFolders('inbox')/messageRules/$entity`,
      ...found.rule,
    });
  });

  app.delete('/v1.0/users/:id/mailFolders/:folder/messageRules/:ruleId', (c) => {
    if (lacks(c, WRITE_ROLES.mailboxSettings)) return fail(c, outlookDenied());
    const found = ruleOf(c);
    if ('error' in found) return found.error;
    found.rules.splice(found.rules.indexOf(found.rule), 1);
    return noContent(c);
  });

  // One sharing permission of a drive item; deleting a link's permission removes the link.
  const permissionOf = (c: Context<SimEnv>) => {
    const drive = tenantOf(c).directory.drives.find((d) => d.id === c.req.param('driveId'));
    const item = drive?.items.find((i) => i.id === c.req.param('itemId'));
    const permission = item?.permissions.find((p) => p.id === c.req.param('permId'));
    return drive && item && permission ? { drive, item, permission } : undefined;
  };

  app.get('/v1.0/drives/:driveId/items/:itemId/permissions/:permId', (c) => {
    if (lacks(c, ['Files.Read.All', 'Sites.Read.All', ...WRITE_ROLES.files])) return fail(c, filesDenied());
    const found = permissionOf(c);
    if (!found) return fail(c, itemNotFound());
    return graphJson(c, {
      '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#drives('${found.drive.id}')/items('${found.item.id}')/permissions/$entity`,
      ...found.permission,
    });
  });

  app.delete('/v1.0/drives/:driveId/items/:itemId/permissions/:permId', (c) => {
    if (lacks(c, WRITE_ROLES.files)) return fail(c, filesDenied());
    const found = permissionOf(c);
    if (!found) return fail(c, itemNotFound());
    // Graph deletes only permissions set on the item itself (inheritedFrom must be null).
    if (found.permission.inheritedFrom)
      return fail(
        c,
        graphErrors.badRequest('Inherited permissions cannot be removed from this item; remove them from the item they are inherited from.', 'invalidRequest'),
      );
    const { item, permission, drive } = found;
    item.permissions = item.permissions.filter((p) => p !== permission);
    recordSharingRemoval(state, tenantOf(c), writeActor(state, tenantOf(c), c.get('appId') ?? ''), {
      anonymous: permission.link?.scope === 'anonymous',
      siteUrl: drive.siteUrl,
      libraryPath: drive.libraryPath,
      itemPath: item.path,
      itemName: item.name,
      folder: item.kind === 'folder',
    });
    // Items below a folder lose the link they inherited from it.
    for (const other of drive.items)
      other.permissions = other.permissions.filter((p) => !(p.inheritedFrom?.id === item.id && p.shareId === permission.shareId));
    return noContent(c);
  });

  // Service principals: disable (or re-enable) sign-in for an app.
  app.patch('/v1.0/servicePrincipals/:id', async (c) => {
    if (lacks(c, WRITE_ROLES.servicePrincipal)) return fail(c, directoryDenied());
    const body = await readObject(c);
    if (!body) return fail(c, unreadableBody());
    const sp = tenantOf(c).directory.servicePrincipals.find((s) => s.id.toLowerCase() === c.req.param('id').toLowerCase());
    if (!sp) return fail(c, graphErrors.notFound(c.req.param('id')));
    const update: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(body)) {
      if (key === 'accountEnabled' || key === 'appRoleAssignmentRequired') {
        if (typeof value !== 'boolean') return fail(c, invalidValue(key));
      } else if (key === 'description' || key === 'notes') {
        if (value !== null && typeof value !== 'string') return fail(c, invalidValue(key));
      } else if (key === 'tags') {
        if (!Array.isArray(value) || value.some((t) => typeof t !== 'string')) return fail(c, invalidValue(key));
      } else if (['id', 'appId', 'appOwnerOrganizationId', 'deletedDateTime', 'servicePrincipalType', 'verifiedPublisher'].includes(key)) {
        return fail(c, readOnly(key));
      } else {
        return fail(c, undeclared(key));
      }
      update[key] = value;
    }
    const before = { ...sp } as Record<string, unknown>;
    Object.assign(sp, update);
    const modified = Object.keys(update).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(update[k]));
    if (modified.length > 0) {
      audit(c, [
        {
          operation: 'Update service principal.',
          category: 'ApplicationManagement',
          operationType: 'Update',
          target: { id: sp.id, displayName: sp.displayName, type: 'ServicePrincipal' },
          modifiedProperties: modified.map((k) => ({ name: k === 'accountEnabled' ? 'AccountEnabled' : k, oldValue: before[k], newValue: update[k] })),
        },
      ]);
    }
    return noContent(c);
  });

  // Delegated permission grants (user or admin consent).
  app.get('/v1.0/oauth2PermissionGrants/:id', (c) => {
    if (lacks(c, WRITE_ROLES.grantsRead)) return fail(c, directoryDenied());
    const grant = tenantOf(c).directory.oauth2PermissionGrants.find((g) => g.id === c.req.param('id'));
    if (!grant) return fail(c, graphErrors.notFound(c.req.param('id')));
    return graphJson(c, { '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#oauth2PermissionGrants/$entity`, ...grant });
  });

  app.delete('/v1.0/oauth2PermissionGrants/:id', (c) => {
    if (lacks(c, WRITE_ROLES.grants)) return fail(c, directoryDenied());
    const d = tenantOf(c).directory;
    const index = d.oauth2PermissionGrants.findIndex((g) => g.id === c.req.param('id'));
    if (index < 0) return fail(c, graphErrors.notFound(c.req.param('id')));
    const [grant] = d.oauth2PermissionGrants.splice(index, 1);
    const client = d.servicePrincipals.find((s) => s.id === grant?.clientId);
    audit(c, [
      {
        operation: 'Remove delegated permission grant.',
        category: 'ApplicationManagement',
        operationType: 'Delete',
        target: { id: grant?.clientId ?? '', displayName: client?.displayName ?? null, type: 'ServicePrincipal' },
        modifiedProperties: [{ name: 'DelegatedPermissionGrant.Scope', oldValue: grant?.scope ?? null, newValue: null }],
      },
    ]);
    return noContent(c);
  });

  // App role assignments, from the resource's side (appRoleAssignedTo) or the principal's (appRoleAssignments).
  app.get('/v1.0/servicePrincipals/:id/appRoleAssignedTo', (c) => {
    if (lacks(c, WRITE_ROLES.appsRead)) return fail(c, directoryDenied());
    const t = tenantOf(c);
    const id = c.req.param('id').toLowerCase();
    if (!t.directory.servicePrincipals.some((s) => s.id.toLowerCase() === id)) return fail(c, graphErrors.notFound(c.req.param('id')));
    const value = t.directory.appRoleAssignments.filter((a) => a.resourceId.toLowerCase() === id);
    return graphJson(c, { '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#servicePrincipals('${c.req.param('id')}')/appRoleAssignedTo`, value });
  });

  for (const side of ['appRoleAssignedTo', 'appRoleAssignments'] as const) {
    app.delete(`/v1.0/servicePrincipals/:id/${side}/:assignmentId`, (c) => {
      if (lacks(c, WRITE_ROLES.appRoleAssignments)) return fail(c, directoryDenied());
      const d = tenantOf(c).directory;
      const spId = c.req.param('id').toLowerCase();
      if (!d.servicePrincipals.some((s) => s.id.toLowerCase() === spId)) return fail(c, graphErrors.notFound(c.req.param('id')));
      const index = d.appRoleAssignments.findIndex(
        (a) => a.id === c.req.param('assignmentId') && (side === 'appRoleAssignedTo' ? a.resourceId : a.principalId).toLowerCase() === spId,
      );
      if (index < 0) return fail(c, graphErrors.notFound(c.req.param('assignmentId')));
      const [assignment] = d.appRoleAssignments.splice(index, 1);
      audit(c, [
        {
          operation: 'Remove app role assignment from service principal.',
          category: 'ApplicationManagement',
          operationType: 'Unassign',
          target: { id: assignment?.principalId ?? '', displayName: assignment?.principalDisplayName ?? null, type: 'ServicePrincipal' },
          modifiedProperties: [{ name: 'AppRole.Id', oldValue: assignment?.appRoleId ?? null, newValue: null }],
        },
      ]);
      return noContent(c);
    });
  }

  // Teams: the tenant's teams and the apps installed in each; uninstalling removes the app from that team.
  app.get('/v1.0/teams', (c) => {
    if (lacks(c, WRITE_ROLES.teamsRead)) return fail(c, directoryDenied());
    const value = tenantOf(c).directory.teams.map((t) => ({ id: t.id, displayName: t.displayName }));
    return graphJson(c, { '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#teams`, value });
  });

  const teamOf = (c: Context<SimEnv>) => tenantOf(c).directory.teams.find((t) => t.id.toLowerCase() === (c.req.param('teamId') ?? '').toLowerCase());

  app.get('/v1.0/teams/:teamId/installedApps', (c) => {
    if (lacks(c, WRITE_ROLES.teamsAppsRead)) return fail(c, directoryDenied());
    const team = teamOf(c);
    if (!team) return fail(c, graphErrors.notFound(c.req.param('teamId')));
    const expand = (c.req.query('$expand') ?? '').split(',').map((e) => e.trim());
    const value = team.installedApps.map((a) => ({
      id: a.id,
      ...(expand.includes('teamsApp') ? { teamsApp: a.teamsApp } : {}),
      ...(expand.includes('teamsAppDefinition') ? { teamsAppDefinition: a.teamsAppDefinition } : {}),
    }));
    return graphJson(c, { '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#teams('${team.id}')/installedApps`, value });
  });

  app.delete('/v1.0/teams/:teamId/installedApps/:installationId', (c) => {
    if (lacks(c, WRITE_ROLES.teamsAppsWrite)) return fail(c, directoryDenied());
    const team = teamOf(c);
    if (!team) return fail(c, graphErrors.notFound(c.req.param('teamId')));
    const index = team.installedApps.findIndex((a) => a.id === c.req.param('installationId'));
    if (index < 0) return fail(c, { status: 404, code: 'NotFound', message: 'The app installation was not found in this team.' });
    const [removed] = team.installedApps.splice(index, 1);
    recordTeamsAppRemoval(state, tenantOf(c), writeActor(state, tenantOf(c), c.get('appId') ?? ''), {
      teamId: team.id,
      teamName: team.displayName,
      teamsAppId: removed!.teamsApp.id,
      appName: removed!.teamsApp.displayName,
      azureAdAppId: removed!.teamsAppDefinition?.azureADAppId ?? null,
    });
    return noContent(c);
  });

  // Identity Protection: an admin confirms a compromise or dismisses a user's risk.
  for (const action of ['confirmCompromised', 'dismiss'] as const satisfies readonly RiskAction[]) {
    app.post(`/v1.0/identityProtection/riskyUsers/${action}`, async (c) => {
      if (lacks(c, WRITE_ROLES.risk)) return fail(c, riskDenied());
      const body = await readObject(c);
      if (!body) return fail(c, unreadableBody());
      const ids = body.userIds;
      if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string'))
        return fail(c, graphErrors.badRequest('The userIds parameter must be a non-empty collection of user ids.'));
      const t = tenantOf(c);
      const users: GraphUser[] = [];
      for (const id of ids as string[]) {
        const user = t.users.find((u) => u.id.toLowerCase() === id.toLowerCase());
        if (!user) return fail(c, graphErrors.notFound(id));
        users.push(user);
      }
      applyRiskAction(t, users, action, actorId(c), state.now());
      return noContent(c);
    });
  }

  app.get('/v1.0/identityProtection/riskyUsers/:id/history', (c) => {
    if (lacks(c, WRITE_ROLES.riskRead)) return fail(c, riskDenied());
    const t = tenantOf(c);
    const id = c.req.param('id');
    if (!currentRiskyUser(t, id, state.now())) return fail(c, graphErrors.notFound(id));
    const now = state.now();
    const value = (t.directory.riskyUserHistory.get(id.toLowerCase()) ?? []).filter((h) => Date.parse(h.riskLastUpdatedDateTime) <= now);
    return graphJson(c, { '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#identityProtection/riskyUsers('${id}')/history`, value });
  });
}
