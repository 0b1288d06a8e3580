import type { Resource } from '../microsoft/token-provider.ts';

/**
 * The application permissions Tenantwatch asks a tenant for, and what stops working without
 * each: the words the onboarding check shows an admin.
 */
export const REQUIRED_PERMISSIONS: readonly { api: Resource; permission: string; apiName: string; without: string }[] = [
  {
    api: 'manage',
    permission: 'ActivityFeed.Read',
    apiName: 'Office 365 Management APIs',
    without: 'no unified audit log: sign-ins, mailbox and inbox-rule changes, SharePoint and OneDrive sharing, and admin activity are not collected',
  },
  { api: 'graph', permission: 'AuditLog.Read.All', apiName: 'Microsoft Graph', without: 'no sign-in logs or directory audit logs from Graph' },
  { api: 'graph', permission: 'Directory.Read.All', apiName: 'Microsoft Graph', without: 'users, roles and apps cannot be looked up, so events show no user or app details' },
  { api: 'graph', permission: 'SecurityAlert.Read.All', apiName: 'Microsoft Graph', without: 'Microsoft Defender alerts are not collected' },
  { api: 'graph', permission: 'IdentityRiskEvent.Read.All', apiName: 'Microsoft Graph', without: 'Identity Protection risk detections are not collected' },
  { api: 'graph', permission: 'IdentityRiskyUser.Read.All', apiName: 'Microsoft Graph', without: 'risky users from Identity Protection are not collected' },
  { api: 'graph', permission: 'MailboxSettings.Read', apiName: 'Microsoft Graph', without: 'inbox rules cannot be read, so events about them show no rule details' },
  { api: 'graph', permission: 'Files.Read.All', apiName: 'Microsoft Graph', without: 'shared files cannot be read, so anonymous-link events show no link details' },
  {
    api: 'exchange',
    permission: 'Exchange.ManageAsApp',
    apiName: 'Office 365 Exchange Online',
    without: 'mail flow (transport) rules cannot be read, so events about them show no rule details (the app also needs an Exchange role such as View-Only Organization Management)',
  },
];
