/**
 * Users: who they are, whether they can sign in, how they prove it (MFA), what they are
 * licensed for, which directory roles they hold, their risk and when they last signed in.
 *
 * The account itself (`/users/{id}`, User.Read.All) decides recorded vs unavailable; the
 * other parts each need their own permission and, when refused, are listed in `missing`
 * while the rest is still recorded, so one missing consent does not blank the whole user.
 */
import type { MicrosoftAnswer, MicrosoftFailure } from '../../services/microsoft/answer.ts';
import type { GraphClient } from '../../services/microsoft/graph-client.ts';
import { describeFailure } from './failure.ts';
import { productName } from './skus.ts';
import { recorded, unavailable, type EnrichContext, type EnrichmentResult, type MissingPart } from './types.ts';
import type { UserSnapshot } from './user-snapshot.ts';

export const USER_SCHEMA_VERSION = 1;

export type { UserSnapshot } from './user-snapshot.ts';

/** Roles that read but cannot change anything: holding only these does not make an admin. */
const READ_ONLY_ROLE_TEMPLATES = new Set([
  '88d8e3e3-8f55-4a1e-953a-9b9898b8876b', // Directory Readers
  '4a5d8f65-41da-4de4-8968-e035b65339cf', // Reports Reader
  '790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b', // Message Center Reader
  '75934031-6c7e-415a-99d7-48dbd49e875e', // Usage Summary Reports Reader
  '95e79109-95c0-4d8e-aee3-d01accf2d47b', // Guest Inviter
]);

const USER_FIELDS =
  'id,displayName,userPrincipalName,mail,accountEnabled,userType,department,jobTitle,usageLocation,createdDateTime,lastPasswordChangeDateTime,otherMails,assignedLicenses,mobilePhone';

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

type SignInActivityBody = {
  signInActivity?: { lastSignInDateTime?: string | null; lastNonInteractiveSignInDateTime?: string | null; lastSuccessfulSignInDateTime?: string | null };
};
type RoleAssignmentsBody = { value: { roleDefinition?: { displayName?: string; templateId?: string } | null; roleDefinitionId: string }[] };
type SubscribedSkusBody = { value: { skuId: string; skuPartNumber: string }[] };
type RiskyUserBody = { riskLevel?: string; riskState?: string };

/**
 * The account decides the answer (recorded, deleted, refused); each further part (sign-in
 * activity, MFA, roles, licences, risk) is read at once and, when refused, listed in `missing`.
 */
export async function enrichUser(graph: GraphClient, key: string, context: EnrichContext = {}): Promise<EnrichmentResult> {
  const core = await graph.get<GraphUserBody>(`/users/${encodeURIComponent(key)}?$select=${USER_FIELDS}`);
  if (!core.ok) {
    if (core.failure.status === 404) return deletedUser(graph, key);
    return describeFailure(core.failure, { permission: 'User.Read.All' });
  }
  const user = core.body;
  const id = encodeURIComponent(user.id);
  const [activity, registration, roles, skus, risk] = await Promise.all([
    graph.get<SignInActivityBody>(`/users/${id}?$select=signInActivity`),
    graph.get<RegistrationBody>(`/reports/authenticationMethods/userRegistrationDetails/${id}`),
    graph.get<RoleAssignmentsBody>(`/roleManagement/directory/roleAssignments?$filter=principalId eq '${user.id}'&$expand=roleDefinition`),
    graph.get<SubscribedSkusBody>('/subscribedSkus'),
    graph.get<RiskyUserBody>(`/identityProtection/riskyUsers/${id}`),
  ]);

  // In this order, so `missing` lists the parts as it always has.
  const missing: MissingPart[] = [];
  const parts = {
    lastSignIn: lastSignInOf(activity, missing),
    mfa: mfaOf(registration, missing),
    ...rolesOf(roles, missing),
    licenses: licensesOf(user.assignedLicenses ?? [], skus, missing),
    ...riskOf(risk, missing),
  };
  return recorded(userSnapshot(user, parts, missing, context));
}

/** Notes a part that could not be read (its fields stay null) and why. */
function lacking(missing: MissingPart[], part: string, permission: string, failure: MicrosoftFailure): null {
  const r = describeFailure(failure, { permission });
  missing.push({ part, reason: r.reason, message: r.message });
  return null;
}

function lastSignInOf(answer: MicrosoftAnswer<SignInActivityBody>, missing: MissingPart[]): UserSnapshot['lastSignIn'] {
  if (!answer.ok) return lacking(missing, 'lastSignIn', 'AuditLog.Read.All', answer.failure);
  const activity = answer.body.signInActivity;
  return {
    interactive: activity?.lastSignInDateTime ?? null,
    nonInteractive: activity?.lastNonInteractiveSignInDateTime ?? null,
    successful: activity?.lastSuccessfulSignInDateTime ?? null,
  };
}

function mfaOf(answer: MicrosoftAnswer<RegistrationBody>, missing: MissingPart[]): UserSnapshot['mfa'] {
  if (answer.ok) {
    const r = answer.body;
    const preferred = r.userPreferredMethodForSecondaryAuthentication;
    return {
      registered: r.isMfaRegistered ?? false,
      capable: r.isMfaCapable ?? false,
      methods: r.methodsRegistered ?? [],
      defaultMethod: preferred && preferred !== 'none' ? preferred : null,
      systemPreferredMethods: r.systemPreferredAuthenticationMethods ?? [],
      ssprRegistered: r.isSsprRegistered ?? false,
      lastUpdatedDateTime: r.lastUpdatedDateTime ?? null,
    };
  }
  // No registration record yet: the user has never registered a method.
  if (answer.failure.status === 404) {
    return {
      registered: false,
      capable: false,
      methods: [],
      defaultMethod: null,
      systemPreferredMethods: [],
      ssprRegistered: false,
      lastUpdatedDateTime: null,
    };
  }
  return lacking(missing, 'mfa', 'AuditLog.Read.All', answer.failure);
}

function rolesOf(answer: MicrosoftAnswer<RoleAssignmentsBody>, missing: MissingPart[]): Pick<UserSnapshot, 'roles' | 'isAdmin'> {
  if (!answer.ok) {
    lacking(missing, 'roles', 'RoleManagement.Read.Directory', answer.failure);
    return { roles: null, isAdmin: null };
  }
  const assigned = answer.body.value.map((a) => ({
    name: a.roleDefinition?.displayName ?? a.roleDefinitionId,
    template: a.roleDefinition?.templateId ?? a.roleDefinitionId,
  }));
  return { roles: [...new Set(assigned.map((a) => a.name))].sort(), isAdmin: assigned.some((a) => !READ_ONLY_ROLE_TEMPLATES.has(a.template)) };
}

/** The user's licences, named through the tenant's subscriptions when those can be read. */
function licensesOf(assigned: readonly { skuId: string }[], skus: MicrosoftAnswer<SubscribedSkusBody>, missing: MissingPart[]): UserSnapshot['licenses'] {
  const partNumbers = new Map<string, string>();
  if (skus.ok) for (const s of skus.body.value) partNumbers.set(s.skuId, s.skuPartNumber);
  else lacking(missing, 'licenses', 'Organization.Read.All', skus.failure);
  return assigned.map((l) => {
    const part = partNumbers.get(l.skuId) ?? null;
    return { skuId: l.skuId, skuPartNumber: part, productName: part ? productName(part) : null };
  });
}

function riskOf(answer: MicrosoftAnswer<RiskyUserBody>, missing: MissingPart[]): Pick<UserSnapshot, 'riskLevel' | 'riskState'> {
  if (answer.ok) return { riskLevel: answer.body.riskLevel ?? null, riskState: answer.body.riskState ?? null };
  // Identity Protection has never flagged the user.
  if (answer.failure.status === 404) return { riskLevel: 'none', riskState: 'none' };
  lacking(missing, 'risk', 'IdentityRiskyUser.Read.All', answer.failure);
  return { riskLevel: null, riskState: null };
}

function userSnapshot(
  user: GraphUserBody,
  parts: Pick<UserSnapshot, 'lastSignIn' | 'mfa' | 'roles' | 'isAdmin' | 'licenses' | 'riskLevel' | 'riskState'>,
  missing: MissingPart[],
  context: EnrichContext,
): UserSnapshot {
  const breakGlass = new Set((context.breakGlassAccounts ?? []).map((a) => a.toLowerCase()));
  return {
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
    licenses: parts.licenses,
    roles: parts.roles,
    isAdmin: parts.isAdmin,
    mfaRegistered: parts.mfa ? parts.mfa.registered : null,
    mfa: parts.mfa,
    riskLevel: parts.riskLevel,
    riskState: parts.riskState,
    isBreakGlass: breakGlass.has(user.id.toLowerCase()) || breakGlass.has(user.userPrincipalName.toLowerCase()),
    lastSignIn: parts.lastSignIn,
    missing,
  };
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
