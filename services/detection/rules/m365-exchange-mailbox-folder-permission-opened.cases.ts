import type { RuleCase } from '../types.ts';
import { exchangeCmdlet } from './fixtures/case-records.ts';

/** Add-MailboxFolderPermission / Set-MailboxFolderPermission: Exchange admin records like Add-MailboxPermission, with the cmdlet's parameters. */
const folderPermission = (
  operation: 'Add-MailboxFolderPermission' | 'Set-MailboxFolderPermission',
  identity: string,
  grantee: string,
  rights: string,
  result?: 'True' | 'False',
) =>
  exchangeCmdlet({
    operation,
    user: 'admin@contoso.onmicrosoft.com',
    result,
    objectId: identity,
    parameters: [
      ['Identity', identity],
      ['User', grantee],
      ['AccessRights', rights],
    ],
  });

export const cases: RuleCase[] = [
  {
    name: 'Inbox opened to Default as Reviewer',
    expected: true,
    record: folderPermission('Add-MailboxFolderPermission', 'henrietta@contoso.com:\\Inbox', 'Default', 'Reviewer'),
  },
  {
    name: 'mailbox root opened to Anonymous (Set-MailboxFolderPermission)',
    expected: true,
    record: folderPermission('Set-MailboxFolderPermission', 'henrietta@contoso.com:\\', 'Anonymous', 'ReadItems,FolderVisible'),
  },
  {
    name: 'a project mail folder opened to Default as Editor',
    expected: true,
    record: folderPermission('Add-MailboxFolderPermission', 'henrietta@contoso.com:\\Inbox\\Projects', 'Default', 'Editor'),
  },
  {
    name: 'near miss: calendar shared with everyone (ordinary)',
    expected: false,
    record: folderPermission('Set-MailboxFolderPermission', 'henrietta@contoso.com:\\Calendar', 'Default', 'Reviewer'),
  },
  {
    name: 'near miss: Default made Contributor (can drop items, cannot read)',
    expected: false,
    record: folderPermission('Add-MailboxFolderPermission', 'henrietta@contoso.com:\\Inbox', 'Default', 'Contributor'),
  },
  {
    name: 'near miss: Default reset to None',
    expected: false,
    record: folderPermission('Set-MailboxFolderPermission', 'henrietta@contoso.com:\\Inbox', 'Default', 'None'),
  },
  {
    name: 'a named colleague given Reviewer on the Inbox (delegation, not everyone)',
    expected: false,
    record: folderPermission('Add-MailboxFolderPermission', 'henrietta@contoso.com:\\Inbox', 'lidia@contoso.com', 'Reviewer'),
  },
  {
    name: 'failed cmdlet',
    expected: false,
    record: folderPermission('Add-MailboxFolderPermission', 'henrietta@contoso.com:\\Inbox', 'Default', 'Reviewer', 'False'),
  },
];
