import { asString, rawOf } from '../records.ts';
import { defineRule } from '../types.ts';
import { noSettings, user } from './lib/common.ts';

/**
 * An "anyone with the link" sharing link: no sign-in needed, forwardable to anyone, and a
 * favourite way to take data out (MITRE T1567). `AnonymousLinkCreated` on SharePoint and
 * OneDrive; `AnonymousLinkUpdated` when an existing one is changed (e.g. from view to edit).
 */
export const anonymousLinkCreated = defineRule({
  id: 'M365.SharePoint.AnonymousLinkCreated',
  title: 'Anyone-with-the-link sharing link created',
  severity: 'medium',
  mitre: ['TA0010:T1567'],
  description: 'A user created or changed an anonymous ("anyone with the link") sharing link to a file or folder in SharePoint or OneDrive.',
  howToReact: [
    '1. Look at what is shared (the link entity: site, path, file or whole folder) and whether the link allows editing.',
    '2. Ask the user whether they meant to share it with people outside and with whom; whole folders of finance, HR or customer data shared anonymously are rarely intended.',
    "3. If not intended, or the user's account looks compromised: remove the link (remove-anonymous-link), then check the AnonymousLinkUsed records for who already opened it.",
    '4. Consider setting an expiry for anyone links or restricting them to specific sites in the SharePoint admin center.',
  ].join('\n'),
  remediations: { link: ['remove-anonymous-link'], user: ['revoke-sessions', 'reset-password'] },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: { operations: ['AnonymousLinkCreated', 'AnonymousLinkUpdated'] },
  match(record) {
    const raw = rawOf(record);
    const item = asString(raw.ObjectId) ?? record.target ?? '';
    if (!item) return null;
    const kind = asString(raw.ItemType) ?? 'item';
    const access = /<Type>\s*Edit\s*<\/Type>/i.test(asString(raw.EventData) ?? '') ? 'edit' : 'view';
    const actor = record.actorUpn ?? 'someone';
    return {
      primary: { kind: 'link', key: item },
      related: record.actorUpn ? [user(record.actorUpn)] : [],
      severity: kind === 'Folder' || access === 'edit' ? 'medium' : 'low',
      description: `${actor} ${record.operation === 'AnonymousLinkCreated' ? 'created' : 'changed'} an anyone-with-the-link (${access}) link to ${kind.toLowerCase()} ${item}.`,
      eventType: 'SharingLinkCreated',
      operationResult: 'Success',
      target: item,
      fields: { itemType: kind, access, sharingId: asString(raw.UniqueSharingId), siteUrl: asString(raw.SiteUrl) },
    };
  },
});
