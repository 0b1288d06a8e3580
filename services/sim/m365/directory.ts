/**
 * The parts of a tenant's directory and workloads that enrichment reads: licences
 * (subscribedSku), authentication method registration (userRegistrationDetails), directory
 * roles, service principals with their delegated grants and app role assignments, deleted
 * objects, Outlook inbox rules (messageRule), OneDrive/SharePoint items with their sharing
 * permissions, and Exchange transport rules. Shapes follow Microsoft's v1.0 resource
 * documentation (and the Exchange admin API's PascalCase objects for transport rules).
 */
import { createPrng } from './prng.ts';

export interface SubscribedSku {
  id: string;
  accountId: string;
  accountName: string;
  skuId: string;
  skuPartNumber: string;
  appliesTo: 'User' | 'Company';
  capabilityStatus: 'Enabled' | 'Warning' | 'Suspended' | 'Deleted' | 'LockedOut';
  consumedUnits: number;
  prepaidUnits: { enabled: number; suspended: number; warning: number; lockedOut: number };
  servicePlans: { servicePlanId: string; servicePlanName: string; provisioningStatus: string; appliesTo: string }[];
}

export interface UserRegistrationDetails {
  id: string;
  userPrincipalName: string;
  userDisplayName: string;
  userType: 'member' | 'guest';
  isAdmin: boolean;
  isSsprRegistered: boolean;
  isSsprEnabled: boolean;
  isSsprCapable: boolean;
  isMfaRegistered: boolean;
  isMfaCapable: boolean;
  isPasswordlessCapable: boolean;
  isSystemPreferredAuthenticationMethodEnabled: boolean;
  methodsRegistered: string[];
  systemPreferredAuthenticationMethods: string[];
  userPreferredMethodForSecondaryAuthentication: string;
  lastUpdatedDateTime: string;
}

export interface UnifiedRoleDefinition {
  id: string;
  templateId: string;
  displayName: string;
  description: string;
  isBuiltIn: boolean;
  isEnabled: boolean;
}

export interface UnifiedRoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
}

export interface AppRole {
  id: string;
  value: string;
  displayName: string;
  description: string;
  allowedMemberTypes: string[];
  isEnabled: boolean;
  origin: 'Application';
}

export interface PermissionScope {
  id: string;
  value: string;
  type: 'User' | 'Admin';
  adminConsentDisplayName: string;
  adminConsentDescription: string;
  userConsentDisplayName: string;
  userConsentDescription: string;
  isEnabled: boolean;
}

export interface ServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  appDisplayName: string;
  appDescription: string | null;
  description: string | null;
  accountEnabled: boolean;
  appOwnerOrganizationId: string | null;
  publisherName: string | null;
  verifiedPublisher: { displayName: string | null; verifiedPublisherId: string | null; addedDateTime: string | null };
  servicePrincipalType: 'Application' | 'ManagedIdentity' | 'Legacy' | 'SocialIdp';
  signInAudience: string | null;
  homepage: string | null;
  replyUrls: string[];
  tags: string[];
  appRoles: AppRole[];
  oauth2PermissionScopes: PermissionScope[];
  /** When the service principal was deleted (only in /directory/deletedItems). */
  deletedDateTime: string | null;
  [key: string]: unknown;
}

export interface OAuth2PermissionGrant {
  id: string;
  clientId: string;
  consentType: 'AllPrincipals' | 'Principal';
  principalId: string | null;
  resourceId: string;
  scope: string;
}

export interface AppRoleAssignment {
  id: string;
  appRoleId: string;
  createdDateTime: string;
  deletedDateTime: string | null;
  principalDisplayName: string;
  principalId: string;
  principalType: 'User' | 'Group' | 'ServicePrincipal';
  resourceDisplayName: string;
  resourceId: string;
}

export interface Recipient {
  emailAddress: { name: string; address: string };
}

/** Graph `messageRule` (inbox rules of one mailbox). */
export interface MessageRule {
  id: string;
  displayName: string;
  sequence: number;
  isEnabled: boolean;
  hasError: boolean;
  isReadOnly: boolean;
  conditions?: Record<string, unknown>;
  exceptions?: Record<string, unknown>;
  actions?: Record<string, unknown>;
}

/** Graph `permission` on a drive item (only sharing links are simulated). */
export interface SharingPermission {
  id: string;
  roles: ('read' | 'write')[];
  shareId: string;
  hasPassword: boolean;
  expirationDateTime?: string;
  link: { type: 'view' | 'edit' | 'embed'; scope: 'anonymous' | 'organization' | 'users'; webUrl: string; preventsDownload: boolean };
  grantedToIdentitiesV2: unknown[];
  inheritedFrom?: { driveId: string; id: string; path: string };
}

export interface SimDriveItem {
  id: string;
  name: string;
  /** Path below the drive root: `Finance/Wire Transfers`. */
  path: string;
  kind: 'file' | 'folder';
  size: number;
  createdDateTime: string;
  lastModifiedDateTime: string;
  createdBy?: { user: { id: string; displayName: string; email?: string } };
  permissions: SharingPermission[];
}

/** A document library: its site, its web address and its items. */
export interface SimDrive {
  id: string;
  name: string;
  siteId: string;
  /** `https://contoso.sharepoint.com/sites/Finance` */
  siteUrl: string;
  /** Library folder in the site URL: `Shared Documents`. */
  libraryPath: string;
  items: SimDriveItem[];
}

/** An app installed in a team (Graph teamsAppInstallation with its definition expanded). */
export interface TeamsAppInstallation {
  id: string;
  teamsApp: { id: string; externalId: string | null; displayName: string; distributionMethod: 'store' | 'organization' | 'sideloaded' };
  teamsAppDefinition: { id: string; teamsAppId: string; displayName: string; version: string; azureADAppId: string | null };
}

/** A team (its group's id) and the apps installed in it. */
export interface SimTeam {
  id: string;
  displayName: string;
  installedApps: TeamsAppInstallation[];
}

/** Get-TransportRule's object as the Exchange admin API returns it (PascalCase, only the parameters in use). */
export interface TransportRule {
  Identity: string;
  Name: string;
  Guid: string;
  State: 'Enabled' | 'Disabled';
  Mode: 'Enforce' | 'Audit' | 'AuditAndNotify';
  Priority: number;
  Comments: string;
  WhenChanged: string;
  [parameter: string]: unknown;
}

/** The tenant-wide first-party service principals every tenant has. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const EXCHANGE_APP_ID = '00000002-0000-0ff1-ce00-000000000000';
export const MICROSOFT_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';

/** Built-in Entra roles (template ids are public constants; built-in role definitions use the template id as id). */
export const BUILT_IN_ROLES: readonly UnifiedRoleDefinition[] = (
  [
    [
      '62e90394-69f5-4237-9190-012177145e10',
      'Global Administrator',
      'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.',
    ],
    ['29232cdf-9323-42fd-ade2-1d097af3e4de', 'Exchange Administrator', 'Can manage all aspects of the Exchange product.'],
    ['f28a1f50-f6e7-4571-818b-6a12f2af6b6c', 'SharePoint Administrator', 'Can manage all aspects of the SharePoint service.'],
    [
      'fe930be7-5e62-47db-91af-98c3a49a38b1',
      'User Administrator',
      'Can manage all aspects of users and groups, including resetting passwords for limited admins.',
    ],
    ['729827e3-9c14-49f7-bb1b-9608f156bbb8', 'Helpdesk Administrator', 'Can reset passwords for non-administrators and Helpdesk Administrators.'],
    [
      '194ae4cb-b126-40b2-bd5b-6091b380977d',
      'Security Administrator',
      'Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365.',
    ],
    ['9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', 'Application Administrator', 'Can create and manage all aspects of app registrations and enterprise apps.'],
    [
      '158c047a-c907-4556-b7ef-446551a6b5f7',
      'Cloud Application Administrator',
      'Can create and manage all aspects of app registrations and enterprise apps except App Proxy.',
    ],
    [
      'e8611ab8-c189-46e8-94e1-60213ab1f814',
      'Privileged Role Administrator',
      'Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.',
    ],
    [
      '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
      'Privileged Authentication Administrator',
      'Can access to view, set and reset authentication method information for any user (admin or non-admin).',
    ],
    [
      'c4e39bd9-1100-46d3-8c65-fb160da0071f',
      'Authentication Administrator',
      'Can access to view, set and reset authentication method information for any non-admin user.',
    ],
    ['b1be1c3e-b65d-4f19-8427-f6fa0d97feb9', 'Conditional Access Administrator', 'Can manage Conditional Access capabilities.'],
    ['f2ef992c-3afb-46b9-b7cf-a126ee74c451', 'Global Reader', 'Can read everything that a Global Administrator can, but not update anything.'],
    [
      '88d8e3e3-8f55-4a1e-953a-9b9898b8876b',
      'Directory Readers',
      'Can read basic directory information. Commonly used to grant directory read access to applications and guests.',
    ],
    ['5d6b6bb7-de71-4623-b4af-96380a352509', 'Security Reader', 'Can read security information and reports in Microsoft Entra ID and Office 365.'],
  ] as const
).map(([id, displayName, description]) => ({ id, templateId: id, displayName, description, isBuiltIn: true, isEnabled: true }));

/** Product names are Microsoft's; the part numbers are what subscribedSkus returns. */
export const SKU_PART_NUMBERS: Readonly<Record<string, string>> = {
  '05e9a617-0261-4cee-bb44-138d3ef5d965': 'SPE_E3',
  '06ebc4ee-1bb5-47dd-8120-11324bc54e06': 'SPE_E5',
  '6fd2c87f-b296-42f0-b197-1e91e994b900': 'ENTERPRISEPACK',
  'f245ecc8-75af-4f8e-b61f-27d8114de5f3': 'O365_BUSINESS_PREMIUM',
  'cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46': 'SPB',
};

/** Graph permissions the simulator's Microsoft Graph service principal exposes (application roles and delegated scopes). */
const GRAPH_PERMISSIONS: readonly (readonly [name: string, application: string | null, delegated: string | null])[] = [
  ['User.Read', null, 'Allows users to sign-in to the app, and allows the app to read the profile of signed-in users.'],
  [
    'User.Read.All',
    'Allows the app to read user profiles without a signed in user.',
    'Allows the app to read the full set of profile properties, reports, and managers of other users in your organization, on behalf of the signed-in user.',
  ],
  [
    'Mail.ReadBasic.All',
    'Allows the app to read basic mail properties in all mailboxes without a signed-in user. Includes all properties except body, previewBody, attachments and any extended properties.',
    null,
  ],
  ['Mail.Read', 'Allows the app to read mail in all mailboxes without a signed-in user.', 'Allows the app to read email in user mailboxes.'],
  [
    'Mail.ReadWrite',
    'Allows the app to create, read, update, and delete mail in all mailboxes without a signed-in user. Does not include permission to send mail.',
    'Allows the app to create, read, update, and delete email in user mailboxes. Does not include permission to send mail.',
  ],
  ['Mail.Send', 'Allows the app to send mail as any user without a signed-in user.', 'Allows the app to send mail as users in the organization.'],
  ['MailboxSettings.Read', "Allows the app to read user's mailbox settings without a signed-in user.", "Allows the app to the read user's mailbox settings."],
  [
    'MailboxSettings.ReadWrite',
    "Allows the app to create, read, update, and delete user's mailbox settings without a signed-in user.",
    "Allows the app to create, read, update, and delete user's mailbox settings.",
  ],
  [
    'Files.Read.All',
    'Allows the app to read all files in all site collections without a signed in user.',
    'Allows the app to read all files the signed-in user can access.',
  ],
  [
    'Files.ReadWrite.All',
    'Allows the app to read, create, update and delete all files in all site collections without a signed in user.',
    'Allows the app to read, create, update and delete all files the signed-in user can access.',
  ],
  [
    'Sites.Read.All',
    'Allows the app to read documents and list items in all site collections without a signed in user.',
    'Allows the app to read documents and list items in all site collections on behalf of the signed-in user.',
  ],
  [
    'Directory.Read.All',
    "Allows the app to read data in your organization's directory, such as users, groups and apps, without a signed-in user.",
    "Allows the app to read data in your organization's directory, such as users, groups and apps.",
  ],
  [
    'Directory.ReadWrite.All',
    "Allows the app to read and write data in your organization's directory, such as users, and groups, without a signed-in user. Does not allow user or group deletion.",
    "Allows the app to read and write data in your organization's directory, such as users, and groups.",
  ],
  [
    'AuditLog.Read.All',
    'Allows the app to read and query your audit log activities, without a signed-in user.',
    'Allows the app to read and query your audit log activities, on behalf of the signed-in user.',
  ],
  [
    'Application.Read.All',
    'Allows the app to read all applications and service principals without a signed-in user.',
    'Allows the app to read applications and service principals on behalf of the signed-in user.',
  ],
  [
    'Organization.Read.All',
    'Allows the app to read the organization and related resources, without a signed-in user.',
    'Allows the app to read the organization and related resources, on behalf of the signed-in user.',
  ],
  [
    'RoleManagement.Read.Directory',
    "Allows the app to read the role-based access control (RBAC) settings for your company's directory, without a signed-in user.",
    "Allows the app to read the role-based access control (RBAC) settings for your company's directory, on behalf of the signed-in user.",
  ],
  ['SecurityAlert.Read.All', 'Allows the app to read all security alerts, without a signed-in user.', null],
  ['IdentityRiskEvent.Read.All', 'Allows the app to read the identity risk event information for your organization without a signed in user.', null],
  ['IdentityRiskyUser.Read.All', 'Allows the app to read the identity risky user information for your organization without a signed in user.', null],
  [
    'User.ReadWrite.All',
    'Allows the app to read and update user profiles without a signed in user.',
    'Allows the app to read and write the full set of profile properties, reports, and managers of other users in your organization, on behalf of the signed-in user.',
  ],
  [
    'User-PasswordProfile.ReadWrite.All',
    'Allows the app to read and update the password profiles of users in your organization, without a signed-in user.',
    'Allows the app to read and update the password profiles of users in your organization, on behalf of the signed-in user.',
  ],
  [
    'User.RevokeSessions.All',
    'Allows the app to revoke all sign in sessions for a user, without a signed-in user.',
    'Allows the app to revoke all sign in sessions for a user, on behalf of the signed-in user.',
  ],
  [
    'UserAuthenticationMethod.Read.All',
    "Allows the app to read authentication methods of all users in your organization, without a signed-in user. Authentication methods include things like a user's phone numbers and Authenticator app settings. This does not allow the app to see secret information like passwords, or to sign-in or otherwise use the authentication methods.",
    'Allows the app to read authentication methods of all users in your organization that the signed-in user has access to.',
  ],
  [
    'UserAuthenticationMethod.ReadWrite.All',
    "Allows the application to read and write authentication methods of all users in your organization, without a signed-in user. Authentication methods include things like a user's phone numbers and Authenticator app settings. This does not allow the app to see secret information like passwords, or to sign-in or otherwise use the authentication methods.",
    'Allows the app to read and write authentication methods of all users in your organization that the signed-in user has access to.',
  ],
  [
    'Application.ReadWrite.All',
    'Allows the app to create, read, update and delete applications and service principals without a signed-in user. Does not allow management of consent grants.',
    'Allows the app to create, read, update and delete applications and service principals on behalf of the signed-in user. Does not allow management of consent grants.',
  ],
  [
    'DelegatedPermissionGrant.Read.All',
    'Allows the app to read all delegated permission grants, without a signed-in user.',
    'Allows the app to read delegated permission grants, on behalf of the signed in user.',
  ],
  [
    'DelegatedPermissionGrant.ReadWrite.All',
    'Allows the app to manage permission grants for delegated permissions exposed by any API (including Microsoft Graph), without a signed-in user.',
    'Allows the app to manage permission grants for delegated permissions exposed by any API (including Microsoft Graph), on behalf of the signed in user.',
  ],
  [
    'AppRoleAssignment.ReadWrite.All',
    'Allows the app to manage permission grants for application permissions to any API (including Microsoft Graph) and application assignments for any app, without a signed-in user.',
    'Allows the app to manage permission grants for application permissions to any API (including Microsoft Graph) and application assignments for any app, on behalf of the signed-in user.',
  ],
  [
    'IdentityRiskyUser.ReadWrite.All',
    'Allows the app to read and update identity risky user information for your organization without a signed-in user. Update operations include dismissing risky users.',
    'Allows the app to read and update identity risky user information for all users in your organization on behalf of the signed-in user. Update operations include dismissing risky users.',
  ],
  [
    'Sites.ReadWrite.All',
    'Allows the app to create, read, update, and delete documents and list items in all site collections without a signed in user.',
    'Allows the app to edit or delete documents and list items in all site collections on behalf of the signed-in user.',
  ],
  ['offline_access', null, 'Allows the app to see and update the data you gave it access to, even when users are not currently using the app.'],
  ['openid', null, 'Allows users to sign in to the app with their work or school accounts and allows the app to see basic user profile information.'],
  ['profile', null, "Allows the app to see your users' basic profile (e.g., name, picture, user name, email address)"],
  ['email', null, "Allows the app to read your users' primary email address"],
];

/** Stable object ids for objects Microsoft creates in every tenant (derived, not Microsoft's). */
export function derivedId(...parts: string[]): string {
  return createPrng(parts.join('/')).guid();
}

function permissionId(kind: 'role' | 'scope', name: string): string {
  return derivedId('graph-permission', kind, name);
}

/** The Microsoft Graph service principal of a tenant, with its appRoles and oauth2PermissionScopes. */
export function graphServicePrincipal(tenantId: string): ServicePrincipal {
  return {
    id: derivedId(tenantId, GRAPH_APP_ID, 'sp'),
    appId: GRAPH_APP_ID,
    displayName: 'Microsoft Graph',
    appDisplayName: 'Microsoft Graph',
    appDescription: null,
    description: null,
    accountEnabled: true,
    appOwnerOrganizationId: MICROSOFT_TENANT_ID,
    publisherName: 'Microsoft Services',
    verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
    servicePrincipalType: 'Application',
    signInAudience: 'AzureADMultipleOrgs',
    homepage: null,
    replyUrls: [],
    tags: [],
    appRoles: GRAPH_PERMISSIONS.filter(([, app]) => app !== null).map(([value, app]) => ({
      id: permissionId('role', value),
      value,
      displayName: value,
      description: app ?? '',
      allowedMemberTypes: ['Application'],
      isEnabled: true,
      origin: 'Application' as const,
    })),
    oauth2PermissionScopes: GRAPH_PERMISSIONS.filter(([, , delegated]) => delegated !== null).map(([value, , delegated]) => ({
      id: permissionId('scope', value),
      value,
      type: value.endsWith('.All') ? ('Admin' as const) : ('User' as const),
      adminConsentDisplayName: value,
      adminConsentDescription: delegated ?? '',
      userConsentDisplayName: value,
      userConsentDescription: delegated ?? '',
      isEnabled: true,
    })),
    deletedDateTime: null,
  };
}

/** Office 365 Exchange Online's service principal (the resource of Exchange.ManageAsApp). */
export function exchangeServicePrincipal(tenantId: string): ServicePrincipal {
  return {
    ...graphServicePrincipal(tenantId),
    id: derivedId(tenantId, EXCHANGE_APP_ID, 'sp'),
    appId: EXCHANGE_APP_ID,
    displayName: 'Office 365 Exchange Online',
    appDisplayName: 'Office 365 Exchange Online',
    appRoles: [
      {
        id: 'dc50a0fb-09a3-484d-be87-e023b12c6440',
        value: 'Exchange.ManageAsApp',
        displayName: 'Manage Exchange As Application',
        description: "Allows the app to manage the organization's Exchange environment without any user interaction.",
        allowedMemberTypes: ['Application'],
        isEnabled: true,
        origin: 'Application',
      },
    ],
    oauth2PermissionScopes: [],
  };
}

/** The id of a Graph application permission, for scenarios that assign one. */
export function graphAppRoleId(tenantId: string, value: string): string {
  const role = graphServicePrincipal(tenantId).appRoles.find((r) => r.value === value);
  if (!role) throw new Error(`the simulated Microsoft Graph has no application permission ${value}`);
  return role.id;
}

/** `u!` + unpadded base64url of a URL: how Graph's /shares endpoint takes a sharing (or item) URL. */
export function encodeSharingUrl(url: string): string {
  return `u!${Buffer.from(url, 'utf8').toString('base64url')}`;
}

/** The web address of a drive item: site + library + path, spaces encoded as SharePoint does. */
export function driveItemWebUrl(drive: SimDrive, item: SimDriveItem): string {
  return `${drive.siteUrl}/${encodeURI(`${drive.libraryPath}/${item.path}`)}`;
}
