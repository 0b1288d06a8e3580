/**
 * Every remediation action by its API name. A `Record` over the names, so a new name does not
 * compile until its action is written here.
 */
import { blockSignIn } from './block-sign-in.ts';
import { confirmCompromised } from './confirm-compromised.ts';
import { deleteInboxRule } from './delete-inbox-rule.ts';
import { disableApp } from './disable-app.ts';
import { disableInboxRule } from './disable-inbox-rule.ts';
import { disableMailFlowRule } from './disable-mail-flow-rule.ts';
import { dismissUserRisk } from './dismiss-user-risk.ts';
import { removeAnonymousLink } from './remove-anonymous-link.ts';
import { removeMailFlowRule } from './remove-mail-flow-rule.ts';
import { removeMailboxForwarding } from './remove-mailbox-forwarding.ts';
import { removeTeamsApp } from './remove-teams-app.ts';
import { requireMfaReregistration } from './require-mfa-reregistration.ts';
import { resetPassword } from './reset-password.ts';
import { revokeAppConsent } from './revoke-app-consent.ts';
import { revokeSessions } from './revoke-sessions.ts';
import type { ActionName, RemediationAction } from './types.ts';

export const ACTIONS: Readonly<Record<ActionName, RemediationAction>> = {
  'block-sign-in': blockSignIn,
  'revoke-sessions': revokeSessions,
  'reset-password': resetPassword,
  'require-mfa-reregistration': requireMfaReregistration,
  'confirm-compromised': confirmCompromised,
  'dismiss-user-risk': dismissUserRisk,
  'disable-inbox-rule': disableInboxRule,
  'delete-inbox-rule': deleteInboxRule,
  'remove-mailbox-forwarding': removeMailboxForwarding,
  'disable-mail-flow-rule': disableMailFlowRule,
  'remove-mail-flow-rule': removeMailFlowRule,
  'remove-anonymous-link': removeAnonymousLink,
  'disable-app': disableApp,
  'revoke-app-consent': revokeAppConsent,
  'remove-teams-app': removeTeamsApp,
};

export * from './types.ts';
export { temporaryPassword } from './reset-password.ts';
