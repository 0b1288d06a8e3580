import { directoryOccurrence, modifiedProperties, operationKey, succeeded } from '../records.ts';
import { defineRule } from '../types.ts';
import { onDirectoryAudit } from './lib/directory-audit.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';

/**
 * The built-in permission grant policy behind "Allow user consent for apps": any user may
 * consent to any app, from any publisher, for any permission that does not need an admin
 * (Graph permissionGrantPolicy ids; `microsoft-user-default-low` is the safer "verified
 * publishers, low-impact permissions" setting).
 */
const ANY_APP_POLICY = 'microsoft-user-default-legacy';

/**
 * The tenant's user consent setting opened to any app: the authorization policy's default
 * user role was assigned the `microsoft-user-default-legacy` grant policy. Consent phishing
 * (MITRE T1528) then needs only one user to click Accept; attackers with an admin account open
 * it before sending the lure.
 */
export const userConsentOpened = defineRule({
  id: 'M365.AzureAD.UserConsentOpened',
  title: 'Users allowed to consent to any app',
  severity: 'medium',
  mitre: ['TA0005:T1562.001', 'TA0006:T1528'],
  description: `The authorization policy now lets every user consent to apps from any publisher ("${ANY_APP_POLICY}" assigned to the default user role), where it was restricted before.`,
  howToReact: [
    '1. Check who changed the setting (Enterprise applications > Consent and permissions > User consent settings) and whether a change request exists.',
    '2. If unexpected: set it back to "Allow user consent for apps from verified publishers, for selected permissions" or "Do not allow user consent", and enable the admin consent workflow.',
    '3. Treat the admin account that changed it as compromised: revoke sessions and reset the password.',
    '4. Review consents granted since the change (Consent to application) and revoke those nobody asked for.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: onDirectoryAudit('Update authorization policy'),
  match(record) {
    if (operationKey(record.operation) !== 'update authorization policy' || !succeeded(record)) return null;
    const opened = modifiedProperties(record).find(
      (m) => m.newValue.toLowerCase().includes(ANY_APP_POLICY) && !m.oldValue.toLowerCase().includes(ANY_APP_POLICY),
    );
    if (!opened) return null;
    const actor = record.actorUpn ?? 'someone';
    return {
      // The admin who changed it is the entity to act on; one event per tenant setting.
      primary: user(actor),
      dedupKey: 'authorizationPolicy|userConsent',
      description: `${actor} allowed every user to consent to any app (${opened.name}: ${ANY_APP_POLICY} assigned).`,
      eventType: 'ConsentSettingChange',
      operationResult: 'Success',
      target: 'Authorization policy',
      fields: { property: opened.name },
      occurrenceKey: directoryOccurrence(record),
    };
  },
});
