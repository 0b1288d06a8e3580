import { asString, isExternalAddress, rawOf } from '../records.ts';
import { defineRule } from '../types.ts';
import { noSettings, user } from './lib/common.ts';

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** The outside person a sharing record names, or null when the target is inside the organisation. */
function externalTarget(raw: Record<string, unknown>, tenant: Parameters<typeof isExternalAddress>[1]): string | null {
  const name = (asString(raw.TargetUserOrGroupName) ?? '').trim();
  const type = (asString(raw.TargetUserOrGroupType) ?? '').trim().toLowerCase();
  if (!name) return null;
  // A guest account's UPN carries the outside address: `ann_fabrikam.com#EXT#@contoso.onmicrosoft.com`.
  const guest = /^(.+)_([^_#]+)#ext#@/i.exec(name);
  if (guest) return `${guest[1]}@${guest[2]}`.toLowerCase();
  if (type === 'guest' || type === 'partner') return name.toLowerCase();
  if (EMAIL.test(name) && isExternalAddress(name, tenant)) return name.toLowerCase();
  return null;
}

/**
 * Files or folders shared with a named person outside the organisation: an invitation, a
 * "specific people" (secure) link or a permission given to a guest. Less open than an anyone
 * link, still data leaving (MITRE T1567, T1537): a compromised account shares a folder with the
 * attacker's mailbox. Low for one file; medium for a folder, a library or a site.
 */
export const externalSharing = defineRule({
  id: 'M365.SharePoint.ExternalSharing',
  title: 'File or folder shared with an external guest',
  severity: 'low',
  mitre: ['TA0010:T1567', 'TA0010:T1537'],
  description:
    'A SharePoint or OneDrive item was shared with a person outside the organisation: a sharing invitation, a specific-people (secure) link they were added to, or a permission given to a guest. Medium for folders, libraries and sites.',
  howToReact: [
    '1. Look at what was shared, with whom (the outside address) and by whom; sharing with a customer or supplier the team works with is normal.',
    '2. Ask the user whether they shared it; an address at a free mail provider, or a whole finance or HR folder, deserves a call.',
    "3. If not intended or the account looks compromised: remove the person's access (Manage access on the item), revoke the user's sessions and reset the password.",
    '4. Consider limiting external sharing to existing guests or to allowed domains in the SharePoint admin center.',
  ].join('\n'),
  remediations: { user: ['revoke-sessions', 'reset-password'] },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: { sources: ['Audit.SharePoint', 'import'], operations: ['SharingInvitationCreated', 'AddedToSecureLink', 'SharingSet'] },
  match(record, ctx) {
    const raw = rawOf(record);
    const outside = externalTarget(raw, ctx.tenant);
    if (!outside) return null;
    const item = asString(raw.ObjectId) ?? record.target ?? '';
    if (!item) return null;
    const kind = asString(raw.ItemType) ?? 'item';
    const actor = record.actorUpn ?? 'someone';
    const how =
      record.operation === 'SharingInvitationCreated'
        ? 'invited'
        : record.operation === 'AddedToSecureLink'
          ? 'added to a specific-people link'
          : 'gave access to';
    return {
      primary: { kind: 'link', key: item, remediations: [] },
      related: record.actorUpn?.includes('@') ? [user(record.actorUpn)] : [],
      dedupKey: `${item}|${outside}`,
      severity: kind === 'File' ? 'low' : 'medium',
      description: `${actor} ${how} ${outside}, outside the organisation, ${record.operation === 'SharingSet' ? 'on' : 'to'} ${kind.toLowerCase()} ${item}.`,
      eventType: 'ExternalSharing',
      operationResult: 'Success',
      userName: record.actorUpn,
      target: item,
      fields: { itemType: kind, sharedWith: outside, siteUrl: asString(raw.SiteUrl) },
    };
  },
});
