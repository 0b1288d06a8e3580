/**
 * Single objects and relationships of the directory and workloads that enrichment reads:
 * deleted items, registration details, role assignments (with `$expand=roleDefinition`), a
 * service principal's grants and app role assignments, inbox rules, sharing permissions and
 * `/shares/{encoded URL}/driveItem`. Collections that page like any other (servicePrincipals,
 * oauth2PermissionGrants, subscribedSkus, userRegistrationDetails) live in collections.ts.
 */
import type { Context, Hono } from 'hono';
import { requestOrigin } from '../http-util.ts';
import type { SimEnv } from '../env.ts';
import type { SimState, SimTenant } from '../state.ts';
import type { GraphUser } from '../records.ts';
import { BUILT_IN_ROLES, driveItemWebUrl, encodeSharingUrl, type MessageRule, type SimDrive, type SimDriveItem } from '../directory.ts';
import { graphErrors, type GraphErrorSpec } from './errors.ts';
import { ODataError, compileFilter, filterFields, parseFilter, type FieldType } from './odata.ts';
import { WELL_KNOWN_FOLDERS, mailFolderId } from '../scenarios/mail-folders.ts';
import { inboxRules } from '../mailboxes.ts';

export type GraphJson = (c: Context<SimEnv>, body: unknown) => Response;
type Fail = (c: Context<SimEnv>, spec: GraphErrorSpec) => Response;

const DIRECTORY_READ = ['Directory.Read.All', 'Directory.ReadWrite.All'];
export const ROLES = {
  users: ['User.Read.All', 'User.ReadWrite.All', ...DIRECTORY_READ],
  apps: ['Application.Read.All', 'Application.ReadWrite.All', ...DIRECTORY_READ],
  roles: ['RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'RoleManagement.ReadWrite.Directory', ...DIRECTORY_READ],
  registration: ['AuditLog.Read.All', 'UserAuthenticationMethod.Read.All'],
  mailboxSettings: ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'],
  mailRead: ['Mail.ReadBasic.All', 'Mail.ReadBasic', 'Mail.Read', 'Mail.ReadWrite'],
  files: ['Files.Read.All', 'Files.ReadWrite.All', 'Sites.Read.All', 'Sites.ReadWrite.All', 'Sites.FullControl.All'],
  risk: ['IdentityRiskyUser.Read.All', 'IdentityRiskyUser.ReadWrite.All'],
} as const;

export const directoryDenied = (): GraphErrorSpec => ({
  status: 403,
  code: 'Authorization_RequestDenied',
  message: 'Insufficient privileges to complete the operation.',
});
export const outlookDenied = (): GraphErrorSpec => ({ status: 403, code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' });
export const filesDenied = (): GraphErrorSpec => ({ status: 403, code: 'accessDenied', message: 'Either scp or roles claim need to be present in the token.' });
const registrationDenied = (): GraphErrorSpec => ({
  status: 403,
  code: 'Authentication_MSGraphPermissionMissing',
  message: 'Calling principal does not have required MSGraph permissions AuditLog.Read.All',
});
export const itemNotFound = (): GraphErrorSpec => ({ status: 404, code: 'itemNotFound', message: 'The resource could not be found.' });

export const mailboxItemNotFound = (): GraphErrorSpec => ({
  status: 404,
  code: 'ErrorItemNotFound',
  message: 'The specified object was not found in the store.',
});

/** A user by object id or userPrincipalName, as Graph's /users/{id|userPrincipalName} accepts either. */
export function findUser(tenant: SimTenant, idOrUpn: string): GraphUser | undefined {
  const key = idOrUpn.toLowerCase();
  return tenant.users.find((u) => u.id.toLowerCase() === key || u.userPrincipalName.toLowerCase() === key);
}

function driveItemJson(origin: string, drive: SimDrive, item: SimDriveItem): Record<string, unknown> {
  const parentPath = item.path.includes('/') ? item.path.slice(0, item.path.lastIndexOf('/')) : '';
  return {
    '@odata.context': `${origin}/v1.0/$metadata#driveItem`,
    id: item.id,
    name: item.name,
    webUrl: driveItemWebUrl(drive, item),
    size: item.size,
    createdDateTime: item.createdDateTime,
    lastModifiedDateTime: item.lastModifiedDateTime,
    ...(item.createdBy ? { createdBy: item.createdBy } : {}),
    parentReference: {
      driveType: 'documentLibrary',
      driveId: drive.id,
      siteId: drive.siteId,
      path: `/drives/${drive.id}/root:${parentPath ? `/${parentPath}` : ''}`,
    },
    ...(item.kind === 'folder'
      ? { folder: { childCount: drive.items.filter((i) => i.path.startsWith(`${item.path}/`) && !i.path.slice(item.path.length + 1).includes('/')).length } }
      : { file: { mimeType: 'application/octet-stream' } }),
  };
}

/** Decodes a `u!…` share id to its URL (or returns undefined). */
function decodeShareId(shareId: string): string | undefined {
  if (!shareId.startsWith('u!')) return undefined;
  try {
    return Buffer.from(shareId.slice(2), 'base64url').toString('utf8');
  } catch {
    return undefined;
  }
}

const normalizeUrl = (url: string): string => {
  try {
    return decodeURI(url).replace(/\/+$/, '').toLowerCase();
  } catch {
    return url.toLowerCase();
  }
};

/** A mailbox's inbox rules (the live list) from the `{id}` and `{folder}` of a messageRules path; only the inbox holds rules. */
export function findInbox(tenant: SimTenant, userParam: string, folderParam: string): { error: GraphErrorSpec } | { user: GraphUser; rules: MessageRule[] } {
  const user = findUser(tenant, userParam);
  if (!user) return { error: { status: 404, code: 'ErrorInvalidUser', message: `The requested user '${userParam}' is invalid.` } };
  if (folderParam.toLowerCase() !== 'inbox') return { error: mailboxItemNotFound() };
  return { user, rules: inboxRules(tenant, user) };
}

export function registerDirectoryRoutes(app: Hono<SimEnv>, state: SimState, fail: Fail, graphJson: GraphJson): void {
  const tenantOf = (c: Context<SimEnv>): SimTenant => c.get('tenant') as SimTenant;
  const denied = (c: Context<SimEnv>, anyOf: readonly string[]): boolean => {
    const roles = c.get('token')?.roles ?? [];
    return !anyOf.some((r) => roles.includes(r));
  };

  // A deleted user or service principal, for 30 days after deletion.
  app.get('/v1.0/directory/deletedItems/:id', (c) => {
    const t = tenantOf(c);
    const id = c.req.param('id').toLowerCase();
    // The recycle bin as a typed collection: /directory/deletedItems/microsoft.graph.servicePrincipal?$filter=appId eq '…'
    if (id === 'microsoft.graph.serviceprincipal' || id === 'microsoft.graph.user') {
      const isUser = id === 'microsoft.graph.user';
      if (denied(c, isUser ? ROLES.users : ROLES.apps)) return fail(c, directoryDenied());
      const records = (isUser ? t.directory.deletedUsers : t.directory.deletedServicePrincipals) as unknown as Record<string, unknown>[];
      let predicate: (r: Record<string, unknown>) => boolean = () => true;
      const filter = c.req.query('$filter');
      if (filter !== undefined) {
        try {
          const types: Record<string, FieldType> = isUser
            ? { id: 'string', userPrincipalName: 'string', displayName: 'string' }
            : { id: 'string', appId: 'string', displayName: 'string' };
          const node = parseFilter(filter);
          const unsupported = filterFields(node).find((f) => !(f in types));
          if (unsupported)
            return fail(
              c,
              graphErrors.badRequest(`Invalid filter clause: the property '${unsupported}' is not supported for filtering.`, 'Request_UnsupportedQuery'),
            );
          predicate = compileFilter(node, types);
        } catch (error) {
          if (error instanceof ODataError) return fail(c, graphErrors.badRequest(`Invalid filter clause: ${error.message}`, 'Request_UnsupportedQuery'));
          throw error;
        }
      }
      const value = records.filter(predicate).map((r) => {
        const { signInActivity: _omitted, ...rest } = r;
        return rest;
      });
      return graphJson(c, {
        '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#directoryObjects/${isUser ? 'microsoft.graph.user' : 'microsoft.graph.servicePrincipal'}`,
        value,
      });
    }
    const user = t.directory.deletedUsers.find((u) => u.id.toLowerCase() === id);
    if (user) {
      if (denied(c, ROLES.users)) return fail(c, directoryDenied());
      const { signInActivity: _omitted, ...rest } = user;
      return graphJson(c, { '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#directoryObjects/$entity`, '@odata.type': '#microsoft.graph.user', ...rest });
    }
    const sp = t.directory.deletedServicePrincipals.find((s) => s.id.toLowerCase() === id);
    if (sp) {
      if (denied(c, ROLES.apps)) return fail(c, directoryDenied());
      return graphJson(c, {
        '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#directoryObjects/$entity`,
        '@odata.type': '#microsoft.graph.servicePrincipal',
        ...sp,
      });
    }
    if (denied(c, [...ROLES.users, ...ROLES.apps])) return fail(c, directoryDenied());
    return fail(c, graphErrors.notFound(c.req.param('id')));
  });

  app.get('/v1.0/reports/authenticationMethods/userRegistrationDetails/:id', (c) => {
    if (denied(c, ROLES.registration)) return fail(c, registrationDenied());
    const id = c.req.param('id').toLowerCase();
    const details = tenantOf(c).directory.registrationDetails.find((d) => d.id.toLowerCase() === id);
    if (!details) return fail(c, graphErrors.notFound(c.req.param('id')));
    return graphJson(c, { '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#reports/authenticationMethods/userRegistrationDetails/$entity`, ...details });
  });

  app.get('/v1.0/identityProtection/riskyUsers/:id', (c) => {
    if (denied(c, ROLES.risk)) return fail(c, { status: 403, code: 'accessDenied', message: 'Request Authorization failed' });
    const id = c.req.param('id').toLowerCase();
    const risky = tenantOf(c)
      .riskyUsers.filter((r) => r.availableAt <= state.now() && r.value.id.toLowerCase() === id)
      .at(-1);
    if (!risky) return fail(c, graphErrors.notFound(c.req.param('id')));
    return graphJson(c, { '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#identityProtection/riskyUsers/$entity`, ...risky.value });
  });

  // Role assignments, filtered by principal or role, optionally with the role definition expanded.
  app.get('/v1.0/roleManagement/directory/roleAssignments', (c) => {
    if (denied(c, ROLES.roles)) return fail(c, directoryDenied());
    const filter = c.req.query('$filter');
    const expand = c.req.query('$expand');
    if (expand !== undefined && !['roleDefinition', 'principal'].includes(expand))
      return fail(c, graphErrors.badRequest(`Could not find a navigation property named '${expand}'.`));
    let predicate: (r: Record<string, unknown>) => boolean = () => true;
    if (filter !== undefined) {
      try {
        const node = parseFilter(filter);
        const types = { principalId: 'string', roleDefinitionId: 'string', directoryScopeId: 'string', id: 'string' } as const;
        const unsupported = filterFields(node).find((f) => !(f in types));
        if (unsupported) return fail(c, graphErrors.badRequest(`Invalid filter clause: the property '${unsupported}' is not supported for filtering.`));
        predicate = compileFilter(node, types);
      } catch (error) {
        if (error instanceof ODataError) return fail(c, graphErrors.badRequest(`Invalid filter clause: ${error.message}`));
        throw error;
      }
    }
    const t = tenantOf(c);
    const value = t.directory.roleAssignments
      .filter((a) => predicate(a as unknown as Record<string, unknown>))
      .map((a) => {
        if (expand === 'roleDefinition') return { ...a, roleDefinition: BUILT_IN_ROLES.find((r) => r.id === a.roleDefinitionId) ?? null };
        if (expand === 'principal') {
          const user = t.users.find((u) => u.id === a.principalId);
          const sp = t.directory.servicePrincipals.find((s) => s.id === a.principalId);
          return {
            ...a,
            principal: user
              ? { '@odata.type': '#microsoft.graph.user', id: user.id, displayName: user.displayName, userPrincipalName: user.userPrincipalName }
              : sp
                ? { '@odata.type': '#microsoft.graph.servicePrincipal', id: sp.id, displayName: sp.displayName, appId: sp.appId }
                : null,
          };
        }
        return a;
      });
    return graphJson(c, {
      '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#roleManagement/directory/roleAssignments${expand ? `(${expand}())` : ''}`,
      value,
    });
  });

  app.get('/v1.0/servicePrincipals/:id', (c) => {
    if (denied(c, ROLES.apps)) return fail(c, directoryDenied());
    const id = c.req.param('id').toLowerCase();
    const sp = tenantOf(c).directory.servicePrincipals.find((s) => s.id.toLowerCase() === id);
    if (!sp) return fail(c, graphErrors.notFound(c.req.param('id')));
    const { deletedDateTime: _live, ...rest } = sp;
    return graphJson(c, { '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#servicePrincipals/$entity`, ...rest, deletedDateTime: null });
  });

  app.get('/v1.0/servicePrincipals/:id/oauth2PermissionGrants', (c) => {
    if (denied(c, ROLES.apps)) return fail(c, directoryDenied());
    const t = tenantOf(c);
    const id = c.req.param('id').toLowerCase();
    if (!t.directory.servicePrincipals.some((s) => s.id.toLowerCase() === id)) return fail(c, graphErrors.notFound(c.req.param('id')));
    const value = t.directory.oauth2PermissionGrants.filter((g) => g.clientId.toLowerCase() === id);
    return graphJson(c, { '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#oauth2PermissionGrants`, value });
  });

  // App roles granted to this service principal (its application permissions).
  app.get('/v1.0/servicePrincipals/:id/appRoleAssignments', (c) => {
    if (denied(c, ROLES.apps)) return fail(c, directoryDenied());
    const t = tenantOf(c);
    const id = c.req.param('id').toLowerCase();
    if (!t.directory.servicePrincipals.some((s) => s.id.toLowerCase() === id)) return fail(c, graphErrors.notFound(c.req.param('id')));
    const value = t.directory.appRoleAssignments.filter((a) => a.principalId.toLowerCase() === id);
    return graphJson(c, { '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#servicePrincipals('${c.req.param('id')}')/appRoleAssignments`, value });
  });

  const mailboxRules = (c: Context<SimEnv>): { error: Response } | { user: GraphUser; rules: MessageRule[] } => {
    const found = findInbox(tenantOf(c), c.req.param('id') ?? '', c.req.param('folder') ?? '');
    return 'error' in found ? { error: fail(c, found.error) } : found;
  };

  app.get('/v1.0/users/:id/mailFolders/:folder/messageRules', (c) => {
    if (denied(c, ROLES.mailboxSettings)) return fail(c, outlookDenied());
    const found = mailboxRules(c);
    if ('error' in found) return found.error;
    const value = [...found.rules].sort((a, b) => a.sequence - b.sequence);
    return graphJson(c, { '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#users('${found.user.id}')/mailFolders('inbox')/messageRules`, value });
  });

  app.get('/v1.0/users/:id/mailFolders/:folder/messageRules/:ruleId', (c) => {
    if (denied(c, ROLES.mailboxSettings)) return fail(c, outlookDenied());
    const found = mailboxRules(c);
    if ('error' in found) return found.error;
    const rule = found.rules.find((r) => r.id === c.req.param('ruleId'));
    if (!rule) return fail(c, mailboxItemNotFound());
    return graphJson(c, {
      '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#users('${found.user.id}')/mailFolders('inbox')/messageRules/$entity`,
      ...rule,
    });
  });

  // One mail folder by id or well-known name (`inbox`, `deleteditems`…), for a rule's target folder.
  app.get('/v1.0/users/:id/mailFolders/:folderId', (c) => {
    if (denied(c, ROLES.mailRead)) return fail(c, outlookDenied());
    const t = tenantOf(c);
    const user = findUser(t, c.req.param('id'));
    if (!user) return fail(c, { status: 404, code: 'ErrorInvalidUser', message: `The requested user '${c.req.param('id')}' is invalid.` });
    const wanted = c.req.param('folderId');
    const names = [...WELL_KNOWN_FOLDERS, ...(t.directory.mailFolders.get(user.id.toLowerCase()) ?? [])];
    const name = names.find((n) => mailFolderId(user.id, n) === wanted || n.replace(/\s+/g, '').toLowerCase() === wanted.toLowerCase());
    if (!name) return fail(c, mailboxItemNotFound());
    return graphJson(c, {
      '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#users('${user.id}')/mailFolders/$entity`,
      id: mailFolderId(user.id, name),
      displayName: name,
      parentFolderId: mailFolderId(user.id, 'Top of Information Store'),
      childFolderCount: 0,
      unreadItemCount: 0,
      totalItemCount: 0,
      isHidden: false,
    });
  });

  const findItem = (t: SimTenant, driveId: string, itemId: string) => {
    const drive = t.directory.drives.find((d) => d.id === driveId);
    const item = drive?.items.find((i) => i.id === itemId);
    return drive && item ? { drive, item } : undefined;
  };

  app.get('/v1.0/drives/:driveId/items/:itemId/permissions', (c) => {
    if (denied(c, ROLES.files)) return fail(c, filesDenied());
    const found = findItem(tenantOf(c), c.req.param('driveId'), c.req.param('itemId'));
    if (!found) return fail(c, itemNotFound());
    return graphJson(c, {
      '@odata.context': `${requestOrigin(c)}/v1.0/$metadata#drives('${found.drive.id}')/items('${found.item.id}')/permissions`,
      value: found.item.permissions,
    });
  });

  app.get('/v1.0/drives/:driveId/items/:itemId', (c) => {
    if (denied(c, ROLES.files)) return fail(c, filesDenied());
    const found = findItem(tenantOf(c), c.req.param('driveId'), c.req.param('itemId'));
    if (!found) return fail(c, itemNotFound());
    return graphJson(c, driveItemJson(requestOrigin(c), found.drive, found.item));
  });

  // A sharing link's URL, or an item's own URL, encoded as `u!…`; or a permission's shareId.
  app.get('/v1.0/shares/:shareId/driveItem', (c) => {
    if (denied(c, ROLES.files)) return fail(c, filesDenied());
    const shareId = c.req.param('shareId');
    const url = decodeShareId(shareId);
    for (const drive of tenantOf(c).directory.drives) {
      for (const item of drive.items) {
        const hit = url
          ? normalizeUrl(driveItemWebUrl(drive, item)) === normalizeUrl(url) || item.permissions.some((p) => normalizeUrl(p.link.webUrl) === normalizeUrl(url))
          : item.permissions.some((p) => p.shareId === shareId);
        if (hit) return graphJson(c, driveItemJson(requestOrigin(c), drive, item));
      }
    }
    return fail(c, itemNotFound());
  });
}

export { encodeSharingUrl };
