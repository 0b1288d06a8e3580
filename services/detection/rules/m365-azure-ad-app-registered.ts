import { suspiciousAppName } from '../constants/suspicious-app-names.ts';
import { clip, directoryOccurrence, directoryTarget, modified, succeeded, unquote } from '../records.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';
import { onDirectoryAudit } from './lib/directory-audit.ts';
import { isSystemActor } from './lib/system-actor.ts';

/**
 * A new application registered in the tenant. An attacker with an admin (or, where users may
 * register apps, any) account registers an app, gives it a secret and permissions, and keeps
 * access after the password is reset (MITRE T1098.001, T1136.003). Low by default: admins
 * register apps for integrations; high when the name is a known exfiltration or attack tool.
 */
export const appRegistered = defineRule({
  id: 'M365.AzureAD.AppRegistered',
  title: 'New application registered',
  severity: 'low',
  mitre: ['TA0003:T1098.001', 'TA0003:T1136.003'],
  description:
    'An application was registered in Entra ID (Add application) by a person; high when its name is that of a known mail or file transfer tool (PerfectData, eM Client, rclone…) or attack tool (GraphRunner, ROADtools, AADInternals…).',
  howToReact: [
    '1. Check who registered the app and what it is for; ask the person. A registration with no owner, a generic name or a reply URL on localhost deserves a closer look.',
    '2. Look at its API permissions and credentials (App registrations > the app): mail, files or directory permissions with admin consent and a new secret are the persistence pattern.',
    "3. If unexpected: disable the app's service principal (disable-app) and remove its credentials, then treat the registering account as compromised.",
    '4. Restrict app registration to administrators (Users can register applications: No).',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER, app: ['disable-app', 'revoke-app-consent'] },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: onDirectoryAudit('Add application'),
  match(record) {
    if (!succeeded(record) || isSystemActor(record)) return null;
    // Microsoft's own provisioning runs as service principals, not people.
    if (!record.actorUpn?.includes('@')) return null;
    const target = directoryTarget(record);
    const name = target.name && !/^[0-9a-f-]{36}$/i.test(target.name) ? target.name : unquote(modified(record, 'DisplayName')?.newValue) || target.name;
    const appId = unquote(modified(record, 'AppId')?.newValue) || target.id || name || 'unknown';
    const known = suspiciousAppName(name);
    return {
      primary: { kind: 'app', key: appId.toLowerCase() },
      related: [user(record.actorUpn)],
      severity: known ? 'high' : 'low',
      description: `${record.actorUpn} registered the application "${clip(name ?? appId, 80)}".${known ? ` The name is that of ${known.name} (${known.source.split(' (')[0]}), a tool used to take data out or attack Microsoft 365.` : ''}`,
      eventType: 'AppRegistered',
      operationResult: 'Success',
      userName: record.actorUpn,
      target: name ?? appId,
      occurrenceKey: directoryOccurrence(record),
      fields: { app: name, ...(known ? { knownTool: known.name } : {}) },
    };
  },
});
