/**
 * Directory roles whose grant is an incident until proven otherwise. Template ids are the same
 * in every tenant (Microsoft Entra built-in roles reference); display names are matched too,
 * because some records carry only the name. Each entry says why the role matters.
 */
export const PRIVILEGED_ROLES: readonly { templateId: string; name: string; critical?: true; why: string }[] = [
  { templateId: '62e90394-69f5-4237-9190-012177145e10', name: 'Global Administrator', critical: true, why: 'Full control of the tenant and every workload.' },
  {
    templateId: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
    name: 'Privileged Role Administrator',
    critical: true,
    why: 'Can grant any role, including Global Administrator.',
  },
  {
    templateId: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
    name: 'Privileged Authentication Administrator',
    critical: true,
    why: 'Can reset passwords and MFA of any user, administrators included.',
  },
  { templateId: '194ae4cb-b126-40b2-bd5b-6091b380977d', name: 'Security Administrator', why: 'Can change security policies and turn protections off.' },
  {
    templateId: '29232cdf-9323-42fd-ade2-1d097af3e4de',
    name: 'Exchange Administrator',
    why: 'Can read every mailbox and create forwarding and mail flow rules.',
  },
  { templateId: 'f28a1f50-f6e7-4571-818b-6a12f2af6b6c', name: 'SharePoint Administrator', why: 'Can reach every site and change sharing settings.' },
  { templateId: 'fe930be7-5e62-47db-91af-98c3a49a38b1', name: 'User Administrator', why: 'Can reset passwords of most users and manage groups.' },
  {
    templateId: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
    name: 'Application Administrator',
    why: 'Can add credentials to apps and grant consent: a persistence path.',
  },
  {
    templateId: '158c047a-c907-4556-b7ef-446551a6b5f7',
    name: 'Cloud Application Administrator',
    why: 'Can add credentials to apps and grant consent: a persistence path.',
  },
  { templateId: 'c4e39bd9-1100-46d3-8c65-fb160da0071f', name: 'Authentication Administrator', why: 'Can reset authentication methods of non-admin users.' },
  { templateId: '729827e3-9c14-49f7-bb1b-9608f156bbb8', name: 'Helpdesk Administrator', why: 'Can reset passwords of non-admin users.' },
  { templateId: '966707d0-3269-4727-9be2-8c3a10f19b9d', name: 'Password Administrator', why: 'Can reset passwords.' },
  { templateId: 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9', name: 'Conditional Access Administrator', why: 'Can switch off the policies that require MFA.' },
  { templateId: '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2', name: 'Hybrid Identity Administrator', why: 'Can change federation and sync: sign-in for everyone.' },
  { templateId: '8329153b-31d0-4727-b945-745eb3bc5f31', name: 'Domain Name Administrator', why: 'Can add and federate domains.' },
  {
    templateId: 'be2f45a1-457d-42af-a067-6ec1fa63bc45',
    name: 'External Identity Provider Administrator',
    why: 'Can add identity providers that sign users in.',
  },
  { templateId: '3a2c62db-5318-420d-8d74-23affee5d9d5', name: 'Intune Administrator', why: 'Can run scripts on every managed device.' },
  { templateId: '17315797-102d-40b4-93e0-432062caca18', name: 'Compliance Administrator', why: 'Can run eDiscovery searches over all mail and files.' },
  {
    templateId: 'e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8',
    name: 'Partner Tier2 Support',
    critical: true,
    why: 'Can reset passwords of any user, Global Administrators included.',
  },
  { templateId: '4ba39ca4-527c-499a-b93d-d9b492c50246', name: 'Partner Tier1 Support', why: 'Can reset passwords of non-admin users and manage apps.' },
];

const BY_ID = new Map(PRIVILEGED_ROLES.map((r) => [r.templateId, r]));
const BY_NAME = new Map(PRIVILEGED_ROLES.map((r) => [r.name.toLowerCase(), r]));

/** The privileged role named by a template id or display name (the legacy name "Company Administrator" too). */
export function privilegedRole(templateId: string | null, name: string | null) {
  const byId = templateId ? BY_ID.get(templateId.toLowerCase()) : undefined;
  if (byId) return byId;
  const n = name?.toLowerCase();
  if (n === 'company administrator') return BY_ID.get('62e90394-69f5-4237-9190-012177145e10');
  return n ? BY_NAME.get(n) : undefined;
}
