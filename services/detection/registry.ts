/**
 * Table of contents of the built-in detections: one line per rule, grouped by workload. A rule
 * file sits in rules/<rule-id-in-kebab-case>.ts with its labelled cases beside it.
 */
import type { RegisteredRule } from './types.ts';
// Exchange Online
import { inboxRuleExternalForwarding } from './rules/m365-exchange-inbox-rule-external-forwarding.ts';
import { inboxRuleSuspiciousWords } from './rules/m365-exchange-inbox-rule-suspicious-words.ts';
import { inboxRuleHidesMessages } from './rules/m365-exchange-inbox-rule-hides-messages.ts';
import { externalForwarding } from './rules/m365-exchange-external-forwarding.ts';
import { suspiciousMailFlowRule } from './rules/m365-exchange-suspicious-mail-flow-rule.ts';
import { mailboxPermissionGranted } from './rules/m365-exchange-mailbox-permission-granted.ts';
import { auditLoggingDisabled } from './rules/m365-exchange-audit-logging-disabled.ts';
import { mailboxFolderPermissionOpened } from './rules/m365-exchange-mailbox-folder-permission-opened.ts';
import { applicationImpersonationGranted } from './rules/m365-exchange-application-impersonation-granted.ts';
import { auditRetentionLowered } from './rules/m365-exchange-audit-retention-lowered.ts';
import { mailboxAuditingReduced } from './rules/m365-exchange-mailbox-auditing-reduced.ts';
import { legacyProtocolEnabled } from './rules/m365-exchange-legacy-protocol-enabled.ts';
// Entra ID sign-ins
import { passwordSpray } from './rules/m365-azure-ad-password-spray.ts';
import { sprayValidPassword } from './rules/m365-azure-ad-spray-valid-password.ts';
import { bruteForce } from './rules/m365-azure-ad-brute-force.ts';
import { successAfterFailures } from './rules/m365-azure-ad-success-after-failures.ts';
import { accountLockedOut } from './rules/m365-azure-ad-account-locked-out.ts';
import { legacyAuthSignIn } from './rules/m365-azure-ad-legacy-auth-sign-in.ts';
import { breakGlassSignIn } from './rules/m365-azure-ad-break-glass-sign-in.ts';
import { newCountrySignIn } from './rules/m365-azure-ad-new-country-sign-in.ts';
import { impossibleTravel } from './rules/m365-azure-ad-impossible-travel.ts';
import { identityProtectionRisk } from './rules/m365-azure-ad-identity-protection-risk.ts';
import { anonymizedIpSignIn } from './rules/m365-azure-ad-anonymized-ip-sign-in.ts';
import { distributedPasswordSpray } from './rules/m365-azure-ad-distributed-password-spray.ts';
import { attackToolSignIn } from './rules/m365-azure-ad-attack-tool-sign-in.ts';
// Entra ID directory changes
import { privilegedRoleAssigned } from './rules/m365-azure-ad-privileged-role-assigned.ts';
import { guestAssignedRole } from './rules/m365-azure-ad-guest-assigned-role.ts';
import { mfaDisabled } from './rules/m365-azure-ad-mfa-disabled.ts';
import { adminPasswordReset } from './rules/m365-azure-ad-admin-password-reset.ts';
import { riskyAppConsent } from './rules/m365-azure-ad-risky-app-consent.ts';
import { userConsentOpened } from './rules/m365-azure-ad-user-consent-opened.ts';
import { servicePrincipalCreated } from './rules/m365-azure-ad-service-principal-created.ts';
import { appCredentialsAdded } from './rules/m365-azure-ad-app-credentials-added.ts';
import { passwordChanged } from './rules/m365-azure-ad-password-changed.ts';
import { domainOrFederationChanged } from './rules/m365-azure-ad-domain-or-federation-changed.ts';
import { conditionalAccessPolicyChanged } from './rules/m365-azure-ad-conditional-access-policy-changed.ts';
import { adminRoleMemberRemoved } from './rules/m365-azure-ad-admin-role-member-removed.ts';
import { manyRoleChanges } from './rules/m365-azure-ad-many-role-changes.ts';
import { massUserDeletion } from './rules/m365-azure-ad-mass-user-deletion.ts';
import { appRegistered } from './rules/m365-azure-ad-app-registered.ts';
// SharePoint and OneDrive
import { anonymousLinkCreated } from './rules/m365-share-point-anonymous-link-created.ts';
import { massDownload } from './rules/m365-share-point-mass-download.ts';
import { massDeletion } from './rules/m365-share-point-mass-deletion.ts';
import { externalSharing } from './rules/m365-share-point-external-sharing.ts';
// Microsoft Purview
import { eDiscoverySearch } from './rules/m365-compliance-e-discovery-search.ts';
import { dlpPolicyRemoved } from './rules/m365-compliance-dlp-policy-removed.ts';
// Microsoft Defender XDR
import { defenderAlert } from './rules/m365-defender-alert.ts';

export const RULES: readonly RegisteredRule[] = [
  inboxRuleExternalForwarding,
  inboxRuleSuspiciousWords,
  inboxRuleHidesMessages,
  externalForwarding,
  suspiciousMailFlowRule,
  mailboxPermissionGranted,
  auditLoggingDisabled,
  mailboxFolderPermissionOpened,
  applicationImpersonationGranted,
  auditRetentionLowered,
  mailboxAuditingReduced,
  legacyProtocolEnabled,
  passwordSpray,
  sprayValidPassword,
  bruteForce,
  successAfterFailures,
  accountLockedOut,
  legacyAuthSignIn,
  breakGlassSignIn,
  newCountrySignIn,
  impossibleTravel,
  identityProtectionRisk,
  anonymizedIpSignIn,
  distributedPasswordSpray,
  attackToolSignIn,
  privilegedRoleAssigned,
  guestAssignedRole,
  mfaDisabled,
  adminPasswordReset,
  riskyAppConsent,
  userConsentOpened,
  servicePrincipalCreated,
  appCredentialsAdded,
  passwordChanged,
  domainOrFederationChanged,
  conditionalAccessPolicyChanged,
  adminRoleMemberRemoved,
  manyRoleChanges,
  massUserDeletion,
  appRegistered,
  anonymousLinkCreated,
  massDownload,
  massDeletion,
  externalSharing,
  eDiscoverySearch,
  dlpPolicyRemoved,
  defenderAlert,
];

const BY_ID = new Map(RULES.map((r) => [r.id, r]));

export function findRule(id: string): RegisteredRule | undefined {
  return BY_ID.get(id);
}

/** The file name of a rule: `M365.AzureAD.PasswordSpray` → `m365-azure-ad-password-spray`. */
export function ruleFileName(id: string): string {
  return id
    .split('.')
    .map((part) =>
      part
        .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
        .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
        .toLowerCase(),
    )
    .join('-');
}
