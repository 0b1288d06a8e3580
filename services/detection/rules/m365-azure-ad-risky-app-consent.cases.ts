import type { RuleCase } from '../types.ts';
import { graphDirectory, ualDirectory } from './fixtures/case-records.ts';

const sp = { id: '3f1e2d4c-5b6a-4789-8a7b-6c5d4e3f2a1b', type: 'ServicePrincipal' as const, name: 'Mail Sync Pro' };
const consent = (scope: string, onBehalfOfAll = 'False', admin = 'False') =>
  ualDirectory({
    operation: 'Consent to application.',
    actor: 'isabella.ruiz@contoso.com',
    target: sp,
    extraTargets: [{ ID: '9c4f2e1a-6b7d-4e3f-8a2b-1c0d9e8f7a6b', Type: 2 }],
    modified: [
      { name: 'ConsentContext.IsAdminConsent', newValue: admin },
      { name: 'ConsentContext.IsAppOnly', newValue: 'False' },
      { name: 'ConsentContext.OnBehalfOfAll', newValue: onBehalfOfAll },
      { name: 'ConsentContext.Tags', newValue: 'WindowsAzureActiveDirectoryIntegratedApp' },
      {
        name: 'ConsentAction.Permissions',
        newValue: `[] => [[Id: sk3Yk9f0, ClientId: ${sp.id}, PrincipalId: 26be570a-ae82-4189-b4e2-a37c6808512d, ResourceId: 7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d, ConsentType: Principal, Scope: ${scope}, CreatedDateTime: , LastModifiedDateTime ]]; `,
      },
      { name: 'TargetId.ServicePrincipalNames', newValue: '9c4f2e1a-6b7d-4e3f-8a2b-1c0d9e8f7a6b' },
    ],
  });

export const cases: RuleCase[] = [
  { name: 'user consent for Mail.ReadWrite and offline_access', expected: true, record: consent('Mail.ReadWrite offline_access User.Read') },
  { name: 'admin consent for everyone to Files.ReadWrite.All', expected: true, record: consent('Files.ReadWrite.All User.Read', 'True', 'True') },
  {
    name: 'Graph directoryAudit of the consent (values JSON-quoted)',
    expected: true,
    record: graphDirectory({
      activity: 'Consent to application',
      category: 'ApplicationManagement',
      actor: 'isabella.ruiz@contoso.com',
      target: sp,
      modified: [
        { name: 'ConsentContext.IsAdminConsent', newValue: '"False"' },
        {
          name: 'ConsentAction.Permissions',
          newValue: '"[] => [[Id: sk3Yk9f0, ClientId: 3f1e2d4c-5b6a-4789-8a7b-6c5d4e3f2a1b, ConsentType: Principal, Scope: Mail.Send openid]]; "',
        },
      ],
      additionalDetails: [{ key: 'AppId', value: '9c4f2e1a-6b7d-4e3f-8a2b-1c0d9e8f7a6b' }],
    }),
  },
  {
    name: 'application permission Mail.Read assigned to an app',
    expected: true,
    record: ualDirectory({
      operation: 'Add app role assignment to service principal.',
      target: sp,
      modified: [
        { name: 'AppRole.Value', newValue: 'Mail.Read' },
        { name: 'AppRole.DisplayName', newValue: 'Read mail in all mailboxes' },
      ],
    }),
  },
  { name: 'near miss: sign-in-and-profile consent only', expected: false, record: consent('openid profile User.Read offline_access') },
  {
    name: 'near miss: app role assignment of a harmless permission',
    expected: false,
    record: ualDirectory({
      operation: 'Add app role assignment to service principal.',
      target: sp,
      modified: [{ name: 'AppRole.Value', newValue: 'User.Read.All' }],
    }),
  },
];
