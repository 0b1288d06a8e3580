import { riskyPermissions } from '../../microsoft/permissions.ts';
import { directoryOccurrence, operationKey, succeeded, unquote, modified } from '../records.ts';
import { defineRule } from '../types.ts';
import { onDirectoryAudit } from './lib/directory-audit.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';
import { appOf, consentFlag, consentScopes } from './lib/app-records.ts';

/**
 * Consent that gives an app access to mail, files or the directory (the review column of services/microsoft/permissions.ts):
 * illicit consent grants keep working after a password reset, because the app holds its own
 * tokens (MITRE T1528). Publisher verification is not in the audit record; it is recorded by
 * the app enricher (`App.VerifiedPublisher`), and an unverified publisher escalates the event
 * once enrichment has recorded the app (enrichment/consent-publisher.ts).
 */
export const riskyAppConsent = defineRule({
  id: 'M365.AzureAD.RiskyAppConsent',
  title: 'Consent granted to an app with access to mail, files or the directory',
  severity: 'high',
  mitre: ['TA0003:T1528', 'TA0006:T1528'],
  description:
    'A user or admin consented to an application for high-risk delegated permissions (Mail.Read, Mail.ReadWrite, Mail.Send, Files.ReadWrite.All…), or an application permission of that kind was assigned to it.',
  howToReact: [
    '1. Look at the app on the event page: publisher (verified or not), permissions, who consented and whether for themselves or for everyone.',
    '2. Ask the user (or the admin) whether they meant to install it and what for. Unknown publishers asking for mail access, apps named like Microsoft products, and consents right after a suspicious sign-in are illicit consent grants.',
    "3. If illicit: revoke the consent (revoke-app-consent) and disable the app's service principal (disable-app); the user's password reset alone does not cut the app off.",
    "4. Use the mailbox audit (MailItemsAccessed with the app's id) to see what the app already read, and treat the consenting account as compromised if the consent was not theirs.",
    '5. Consider restricting user consent to verified publishers and low-risk permissions (Enterprise applications > Consent and permissions).',
  ].join('\n'),
  remediations: { app: ['revoke-app-consent', 'disable-app'], user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: onDirectoryAudit('Consent to application', 'Add app role assignment to service principal'),
  match(record) {
    if (!succeeded(record)) return null;
    const op = operationKey(record.operation);
    const app = appOf(record);
    let scopes: string[];
    let everyone = false;
    if (op === 'consent to application') {
      scopes = consentScopes(record);
      everyone = consentFlag(record, 'ConsentContext.OnBehalfOfAll') || consentFlag(record, 'ConsentContext.IsAppOnly');
    } else {
      // An application permission: the app itself, for every user, no one signed in.
      scopes = [unquote(modified(record, 'AppRole.Value')?.newValue)].filter(Boolean);
      everyone = true;
    }
    const risky = riskyPermissions(scopes);
    if (risky.length === 0) return null;
    const admin = consentFlag(record, 'ConsentContext.IsAdminConsent');
    const actor = record.actorUpn ?? 'someone';
    const appName = app.name ?? app.appId ?? 'an app';
    return {
      primary: { kind: 'app', key: app.key },
      related: record.actorUpn?.includes('@') ? [user(record.actorUpn)] : [],
      description: `${actor} ${op === 'consent to application' ? `consented${admin ? ' as an admin' : ''}` : 'assigned application permissions'} to '${appName}' for ${risky.join(', ')}${everyone ? ', covering every user' : ''}${scopes.length > risky.length ? ` (all: ${scopes.join(' ')})` : ''}.`,
      eventType: 'AppConsent',
      operationResult: 'Success',
      target: appName,
      fields: { appId: app.appId, appName, permissions: scopes, riskyPermissions: risky, adminConsent: admin, allUsers: everyone },
      occurrenceKey: directoryOccurrence(record),
    };
  },
});
