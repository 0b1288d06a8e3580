import { z } from 'zod';
import { directoryOccurrence, directoryTarget, MINUTE, succeeded } from '../records.ts';
import { defineRule } from '../types.ts';
import { onDirectoryAudit } from './lib/directory-audit.ts';
import { minutes, user } from './lib/common.ts';
import { appOf } from './lib/app-records.ts';

const settings = z.object({ consentWindowMinutes: minutes(10) });

/**
 * A service principal (an app's identity in this tenant) added by a person, not as part of a
 * consent: someone instantiated an app directly, e.g. with PowerShell, which is how attackers
 * add their own app for persistence (MITRE T1136.003). Consents create one too; those are the
 * consent rule's business, so a consent for the same service principal within minutes silences this.
 */
export const servicePrincipalCreated = defineRule({
  id: 'M365.AzureAD.ServicePrincipalCreated',
  title: 'Application added to the tenant',
  severity: 'low',
  mitre: ['TA0003:T1136.003'],
  description: 'A user added a service principal (enterprise application) that no consent accounts for within `consentWindowMinutes` minutes.',
  howToReact: [
    '1. Look at the app: name, application id, publisher, and who added it.',
    '2. Ask the person who added it (usually an admin) what it is for; a new app nobody asked for is suspicious, especially after a risky sign-in of the same person.',
    '3. If unexplained: disable the app (disable-app) and check its credentials and permissions in Entra ID > Enterprise applications.',
    "4. Review the actor's recent activity for other changes.",
  ].join('\n'),
  remediations: { app: ['disable-app', 'revoke-app-consent'], user: ['revoke-sessions', 'reset-password'] },
  dedupMinutes: 24 * 60,
  settings,
  on: onDirectoryAudit('Add service principal'),
  reads: [{ series: 'app-consents', before: (s) => s.consentWindowMinutes * MINUTE, after: (s) => s.consentWindowMinutes * MINUTE }],
  match(record, ctx) {
    if (!succeeded(record)) return null;
    // Microsoft's own provisioning runs as service principals, not people.
    if (!record.actorUpn?.includes('@')) return null;
    const spId = directoryTarget(record).id?.toLowerCase();
    const w = ctx.settings.consentWindowMinutes * MINUTE;
    if (spId && ctx.window('app-consents', spId, new Date(record.occurredAt.getTime() - w), new Date(record.occurredAt.getTime() + w)).length > 0) return null;
    const app = appOf(record);
    const name = app.name ?? app.appId ?? 'an app';
    return {
      primary: { kind: 'app', key: app.key },
      related: [user(record.actorUpn)],
      description: `${record.actorUpn} added application '${name}'${app.appId ? ` (${app.appId})` : ''} to the tenant without a consent.`,
      eventType: 'ServicePrincipalCreated',
      operationResult: 'Success',
      target: name,
      fields: { appId: app.appId, appName: name },
      occurrenceKey: directoryOccurrence(record),
    };
  },
});
