import { directoryOccurrence, modified, operationKey, succeeded, unquote } from '../records.ts';
import { defineRule } from '../types.ts';
import { onDirectoryAudit } from './lib/directory-audit.ts';
import { noSettings, user } from './lib/common.ts';
import { appOf } from './lib/app-records.ts';

/**
 * A secret or certificate added to an application or service principal: whoever holds it signs
 * in as the app, with all the app's permissions and no MFA (MITRE T1098.001). Solorigate and
 * Midnight Blizzard used exactly this.
 */
export const appCredentialsAdded = defineRule({
  id: 'M365.AzureAD.AppCredentialsAdded',
  title: 'Credentials added to an application',
  severity: 'medium',
  mitre: ['TA0003:T1098.001'],
  description: 'A client secret or certificate was added to an app registration or a service principal.',
  howToReact: [
    '1. Identify the app and what it can do (its application permissions on the event page).',
    "2. Ask the app's owner whether a credential rotation was planned; rotations happen, new credentials on a service principal of a third-party app do not.",
    '3. If unexpected: remove the new credential in Entra ID (App registrations > Certificates & secrets), disable the app if it holds sensitive permissions (disable-app), and treat the actor as compromised.',
    "4. Check the app's sign-ins (service principal sign-ins) since the credential was added.",
  ].join('\n'),
  remediations: { app: ['disable-app'], user: ['revoke-sessions', 'reset-password', 'block-sign-in'] },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: onDirectoryAudit(
    'Add service principal credentials',
    'Update application – Certificates and secrets management ',
    'Update application – Certificates and secrets management',
    'Update application – Certificates and secrets management .',
    'Update application - Certificates and secrets management',
  ),
  match(record) {
    if (!succeeded(record)) return null;
    const op = operationKey(record.operation);
    // A management change that only removed keys is housekeeping.
    const keys = modified(record, 'KeyDescription');
    if (
      op.startsWith('update application') &&
      keys &&
      unquote(keys.newValue).length <= unquote(keys.oldValue).length &&
      keys.newValue.length <= keys.oldValue.length
    )
      return null;
    const app = appOf(record);
    const name = app.name ?? app.appId ?? 'an app';
    return {
      primary: { kind: 'app', key: app.key },
      related: record.actorUpn?.includes('@') ? [user(record.actorUpn)] : [],
      description: `${record.actorUpn ?? 'Someone'} added a secret or certificate to ${op.startsWith('add service principal') ? 'service principal' : 'app registration'} '${name}'.`,
      eventType: 'AppCredentialsAdded',
      operationResult: 'Success',
      target: name,
      fields: { appId: app.appId, appName: name },
      occurrenceKey: directoryOccurrence(record),
    };
  },
});
