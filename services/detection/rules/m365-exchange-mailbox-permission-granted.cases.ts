import type { RuleCase } from '../types.ts';
import { exchangeCmdlet } from './fixtures/case-records.ts';

export const cases: RuleCase[] = [
  {
    name: 'captured shape: FullAccess to another user',
    expected: true,
    record: exchangeCmdlet({
      operation: 'Add-MailboxPermission',
      objectId: '4d6c5f0e-2a3b-4c1d-9e8f-7a6b5c4d3e2f',
      parameters: [
        ['Identity', 'henrietta@contoso.com'],
        ['AccessRights', 'FullAccess'],
        ['User', 'lidia@contoso.com'],
        ['InheritanceType', 'All'],
      ],
    }),
  },
  {
    name: 'SendAs via Add-RecipientPermission',
    expected: true,
    record: exchangeCmdlet({
      operation: 'Add-RecipientPermission',
      parameters: [
        ['Identity', 'cfo@contoso.com'],
        ['Trustee', 'attacker.helper@contoso.com'],
        ['AccessRights', 'SendAs'],
      ],
    }),
  },
  {
    name: 'near miss: ReadPermission only',
    expected: false,
    record: exchangeCmdlet({
      operation: 'Add-MailboxPermission',
      parameters: [
        ['Identity', 'henrietta@contoso.com'],
        ['AccessRights', 'ReadPermission'],
        ['User', 'lidia@contoso.com'],
      ],
    }),
  },
  {
    name: 'near miss: Exchange granting itself (NT AUTHORITY\\SELF)',
    expected: false,
    record: exchangeCmdlet({
      operation: 'Add-MailboxPermission',
      parameters: [
        ['Identity', 'henrietta@contoso.com'],
        ['AccessRights', 'FullAccess'],
        ['User', 'NT AUTHORITY\\SELF'],
      ],
    }),
  },
  {
    name: 'failed grant',
    expected: false,
    record: exchangeCmdlet({
      operation: 'Add-MailboxPermission',
      result: 'False',
      parameters: [
        ['Identity', 'henrietta@contoso.com'],
        ['AccessRights', 'FullAccess'],
        ['User', 'lidia@contoso.com'],
      ],
    }),
  },
  {
    name: 'near miss: Exchange provisioning gives Discovery Management FullAccess on DiscoverySearchMailbox',
    expected: false,
    record: exchangeCmdlet({
      operation: 'Add-MailboxPermission',
      user: 'NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)',
      parameters: [
        ['Identity', 'DiscoverySearchMailbox{D919BA05-46A6-415f-80AD-7E09334BB852}'],
        ['User', 'Discovery Management'],
        ['AccessRights', 'FullAccess'],
        ['InheritanceType', 'All'],
      ],
    }),
  },
  {
    name: "small tenant: an admin gives FullAccess on the owner's mailbox",
    expected: true,
    userCount: 4,
    record: exchangeCmdlet({
      operation: 'Add-MailboxPermission',
      user: 'admin@contoso.onmicrosoft.com',
      parameters: [
        ['Identity', 'owner@contoso.com'],
        ['User', 'x.helper@contoso.com'],
        ['AccessRights', 'FullAccess'],
      ],
    }),
  },
];
