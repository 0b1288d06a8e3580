/**
 * Users: who they are, whether they can sign in, how they prove it (MFA), what they are
 * licensed for, which directory roles they hold, their risk and when they last signed in.
 *
 * The account itself (`/users/{id}`, User.Read.All) decides recorded vs unavailable; the
 * other parts each need their own permission and, when refused, are listed in `missing`
 * while the rest is still recorded, so one missing consent does not blank the whole user.
 */
import type { GraphClient } from '../../services/microsoft/graph-client.ts';
import { describeFailure } from './failure.ts';
import { productName } from './skus.ts';
import { recorded, unavailable, type EnrichContext, type EnrichmentResult, type MissingPart, type Snapshot } from './types.ts';

export const USER_SCHEMA_VERSION = 1;

/**
 * Keys the filter language reads (`User.*` in services/language/fields.ts) are
 * userPrincipalName, displayName, status, userType, department, jobTitle, country, isAdmin,
 * roles, mfaRegistered, riskLevel, isBreakGlass; the rest is for the event page.
 */
export interface UserSnapshot extends Snapshot {
  id: string;
  userPrincipalName: string;
  displayName: string | null;
  mail: string | null;
  /** `enabled` or `disabled` (a deleted user is `unavailable: entity-deleted`). */
  status: 'enabled' | 'disabled';
  userType: string | null;
  department: string | null;
  jobTitle: string | null;
  /** Usage location (ISO country code). */
  country: string | null;
  createdDateTime: string | null;
  lastPasswordChangeDateTime: string | null;
  /** otherMails: addresses used for self-service password reset and notifications. */
  alternateEmails: string[];
  mobilePhone: string | null;
  licenses: { skuId: string; skuPartNumber: string | null; productName: string | null }[];
  roles: string[] | null;
  isAdmin: boolean | null;
  mfaRegistered: boolean | null;
  mfa: { registered: boolean; capable: boolean; methods: string[]; defaultMethod: string | null; systemPreferredMethods: string[]; ssprRegistered: boolean; lastUpdatedDateTime: string | null } | null;
  riskLevel: string | null;
  riskState: string | null;
  isBreakGlass: boolean;
  lastSignIn: { interactive: string | null; nonInteractive: string | null; successful: string | null } | null;
  missing: MissingPart[];
}

/** Roles that read but cannot change anything: holding only these does not make an admin. */
const READ_ONLY_ROLE_TEMPLATES = new Set([
  '88d8e3e3-8f55-4a1e-953a-9b9898b8876b', // Directory Readers
  '4a5d8f65-41da-4de4-8968-e035b65339cf', // Reports Reader
  '790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b', // Message Center Reader
  '75934031-6c7e-415a-99d7-48dbd49e875e', // Usage Summary Reports Reader
  '95e79109-95c0-4d8e-aee3-d01accf2d47b', // Guest Inviter
]);

const USER_FIELDS = 'id,displayName,userPrincipalName,mail,accountEnabled,userType,department,jobTitle,usageLocation,createdDateTime,lastPasswordChangeDateTime,otherMails,assignedLicenses,mobilePhone';

interface GraphUserBody {
  id: string;
  displayName?: string | null;
  userPrincipalName: string;
  mail?: string | null;
  accountEnabled?: boolean | null;
  userType?: string | null;
  department?: string | null;
  jobTitle?: string | null;
  usageLocation?: string | null;
  createdDateTime?: string | null;
  lastPasswordChangeDateTime?: string | null;
  otherMails?: string[] | null;
  assignedLicenses?: { skuId: string }[] | null;
  mobilePhone?: string | null;
}

interface RegistrationBody {
  isMfaRegistered?: boolean;
  isMfaCapable?: boolean;
  isSsprRegistered?: boolean;
  methodsRegistered?: string[];
  userPreferredMethodForSecondaryAuthentication?: string | null;
  systemPreferredAuthenticationMethods?: string[];
  lastUpdatedDateTime?: string | null;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function enrichUser(graph: GraphClient, key: string, context: EnrichContext = {}): Promise<EnrichmentResult> {
  const who = encodeURIComponent(key);
  const core = await graph.get<GraphUserBody>(`/users/${who}?$select=${USER_FIELDS}`);
  if (!core.ok) {
    if (core.failure.status === 404) return deletedUser(graph, key);
    return describeFailure(core.failure, { permission: 'User.Read.All' });
  }
  const user = core.body;
  const id = encodeURIComponent(user.id);
  const missing: MissingPart[] = [];
  const lacking = (part: string, permission: string, failure: Parameters<typeof describeFailure>[0]): null => {
    const r = describeFailure(failure, { permission });
    missing.push({ part, reason: r.reason, message: r.message });
    return null;
  };

  const [activity, registration, roles, skus, risk] = await Promise.all([
    graph.get<{ signInActivity?: { lastSignInDateTime?: string | null; lastNonInteractiveSignInDateTime?: string | null; lastSuccessfulSignInDateTime?: string | null } }>(`/users/${id}?$select=signInActivity`),
    graph.get<RegistrationBody>(`/reports/authenticationMethods/userRegistrationDetails/${id}`),
    graph.get<{ value: { roleDefinition?: { displayName?: string; templateId?: string } | null; roleDefinitionId: string }[] }>(
      `/roleManagement/directory/roleAssignments?$filter=principalId eq '${user.id}'&$expand=roleDefinition`,
    ),
    graph.get<{ value: { skuId: string; skuPartNumber: string }[] }>('/subscribedSkus'),
    graph.get<{ riskLevel?: string; riskState?: string }>(`/identityProtection/riskyUsers/${id}`),
  ]);

  const lastSignIn = activity.ok
    ? {
        interactive: activity.body.signInActivity?.lastSignInDateTime ?? null,
        nonInteractive: activity.body.signInActivity?.lastNonInteractiveSignInDateTime ?? null,
        successful: activity.body.signInActivity?.lastSuccessfulSignInDateTime ?? null,
      }
    : lacking('lastSignIn', 'AuditLog.Read.All', activity.failure);

  let mfa: UserSnapshot['mfa'] = null;
  if (registration.ok) {
    const r = registration.body;
    const preferred = r.userPreferredMethodForSecondaryAuthentication;
    mfa = {
      registered: r.isMfaRegistered ?? false,
      capable: r.isMfaCapable ?? false,
      methods: r.methodsRegistered ?? [],
      defaultMethod: preferred && preferred !== 'none' ? preferred : null,
      systemPreferredMethods: r.systemPreferredAuthenticationMethods ?? [],
      ssprRegistered: r.isSsprRegistered ?? false,
      lastUpdatedDateTime: r.lastUpdatedDateTime ?? null,
    };
  } else if (registration.failure.status === 404) {
    // No registration record yet: the user has never registered a method.
    mfa = { registered: false, capable: false, methods: [], defaultMethod: null, systemPreferredMethods: [], ssprRegistered: false, lastUpdatedDateTime: null };
  } else {
    lacking('mfa', 'AuditLog.Read.All', registration.failure);
  }

  let roleNames: string[] | null = null;
  let isAdmin: boolean | null = null;
  if (roles.ok) {
    const assigned = roles.body.value.map((a) => ({ name: a.roleDefinition?.displayName ?? a.roleDefinitionId, template: a.roleDefinition?.templateId ?? a.roleDefinitionId }));
    roleNames = [...new Set(assigned.map((a) => a.name))].sort();
    isAdmin = assigned.some((a) => !READ_ONLY_ROLE_TEMPLATES.has(a.template));
  } else {
    lacking('roles', 'RoleManagement.Read.Directory', roles.failure);
  }

  const partNumbers = new Map<string, string>();
  if (skus.ok) for (const s of skus.body.value) partNumbers.set(s.skuId, s.skuPartNumber);
  else lacking('licenses', 'Organization.Read.All', skus.failure);
  const licenses = (user.assignedLicenses ?? []).map((l) => {
    const part = partNumbers.get(l.skuId) ?? null;
    return { skuId: l.skuId, skuPartNumber: part, productName: part ? productName(part) : null };
  });

  let riskLevel: string | null = null;
  let riskState: string | null = null;
  if (risk.ok) {
    riskLevel = risk.body.riskLevel ?? null;
    riskState = risk.body.riskState ?? null;
  } else if (risk.failure.status === 404) {
    // Identity Protection has never flagged the user.
    riskLevel = 'none';
    riskState = 'none';
  } else {
    lacking('risk', 'IdentityRiskyUser.Read.All', risk.failure);
  }

  const breakGlass = new Set((context.breakGlassAccounts ?? []).map((a) => a.toLowerCase()));
  const snapshot: UserSnapshot = {
    schemaVersion: USER_SCHEMA_VERSION,
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    displayName: user.displayName ?? null,
    mail: user.mail ?? null,
    status: user.accountEnabled === false ? 'disabled' : 'enabled',
    userType: user.userType ?? null,
    department: user.department ?? null,
    jobTitle: user.jobTitle ?? null,
    country: user.usageLocation ?? null,
    createdDateTime: user.createdDateTime ?? null,
    lastPasswordChangeDateTime: user.lastPasswordChangeDateTime ?? null,
    alternateEmails: user.otherMails ?? [],
    mobilePhone: user.mobilePhone ?? null,
    licenses,
    roles: roleNames,
    isAdmin,
    mfaRegistered: mfa ? mfa.registered : null,
    mfa,
    riskLevel,
    riskState,
    isBreakGlass: breakGlass.has(user.id.toLowerCase()) || breakGlass.has(user.userPrincipalName.toLowerCase()),
    lastSignIn,
    missing,
  };
  return recorded(snapshot);
}

/** A 404 on /users: say when it was deleted if the recycle bin still has it (ids only: the bin is keyed by object id). */
async function deletedUser(graph: GraphClient, key: string): Promise<EnrichmentResult> {
  if (GUID.test(key)) {
    const bin = await graph.get<{ deletedDateTime?: string | null; userPrincipalName?: string }>(`/directory/deletedItems/${encodeURIComponent(key)}`);
    if (bin.ok && bin.body.deletedDateTime) {
      const when = bin.body.deletedDateTime.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC');
      return unavailable('entity-deleted', `The user was deleted on ${when}; it can be restored from deleted users for 30 days after deletion.`);
    }
  }
  return unavailable('entity-deleted', 'The user no longer exists in the tenant.');
}

/** The snapshot fields each part fills; a part that could not be read leaves them null or partial. */
export const USER_PART_PATHS: Readonly<Record<string, readonly string[]>> = {
  lastSignIn: ['lastSignIn'],
  mfa: ['mfa', 'mfaRegistered'],
  roles: ['roles', 'isAdmin'],
  licenses: ['licenses'],
  risk: ['riskLevel', 'riskState'],
};

/** Fields that change on their own (every sign-in): not marked as changes in live lookups. */
export const USER_VOLATILE_PATHS: readonly string[] = ['lastSignIn', 'mfa.lastUpdatedDateTime'];

