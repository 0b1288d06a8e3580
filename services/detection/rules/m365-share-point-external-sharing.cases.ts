import type { RuleCase } from '../types.ts';
import { sharePoint } from './fixtures/case-records.ts';

const sharing = (
  operation: string,
  target: string,
  type: string,
  itemType = 'Folder',
  objectId = 'https://contoso.sharepoint.com/sites/Finance/Shared Documents/Payroll',
) =>
  sharePoint({
    operation,
    recordType: 14,
    itemType,
    objectId,
    extra: { TargetUserOrGroupName: target, TargetUserOrGroupType: type, EventData: '<Type>Edit</Type>' },
  });

export const cases: RuleCase[] = [
  {
    name: 'Payroll folder shared by invitation with a gmail address',
    expected: true,
    record: sharing('SharingInvitationCreated', 'payroll.backup@gmail.com', 'Guest'),
  },
  {
    name: 'added to a specific-people link (a guest account)',
    expected: true,
    record: sharing(
      'AddedToSecureLink',
      'ann_fabrikam.com#EXT#@contoso.onmicrosoft.com',
      'Guest',
      'File',
      'https://contoso-my.sharepoint.com/personal/megan_contoso_com/Documents/clients.xlsx',
    ),
  },
  {
    name: 'small tenant: permission given to an outside address (OneDrive)',
    expected: true,
    userCount: 7,
    record: sharing('SharingSet', 'x.ops@fabrikam.com', 'Guest', 'Folder', 'https://contoso-my.sharepoint.com/personal/owner_contoso_com/Documents/Contracts'),
  },
  { name: 'near miss: shared with a colleague', expected: false, record: sharing('SharingInvitationCreated', 'lidia.holloway@contoso.com', 'Member') },
  { name: 'near miss: permission given to the site members group', expected: false, record: sharing('SharingSet', 'Finance Members', 'SharePointGroup') },
];
