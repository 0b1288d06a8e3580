import { LEGACY_CLIENT_APPS, signInOf } from '../records.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, ip, noSettings, user } from './lib/common.ts';

/**
 * A successful sign-in over a legacy protocol (IMAP, POP, SMTP AUTH, ActiveSync with basic
 * auth, "Other clients"): no MFA is possible, so a known password is enough (MITRE T1078.004).
 * Graph's `clientAppUsed` names the protocol; the audit log does not, so this reads Graph.
 */
export const legacyAuthSignIn = defineRule({
  id: 'M365.AzureAD.LegacyAuthSignIn',
  title: 'Sign-in over legacy authentication',
  severity: 'medium',
  mitre: ['TA0001:T1078.004', 'TA0005:T1550'],
  description: 'A successful sign-in used a legacy authentication protocol (IMAP4, POP3, SMTP, Exchange ActiveSync, Other clients…), which cannot enforce MFA.',
  howToReact: [
    '1. Check the protocol, the app and the address: a multifunction printer sending mail over SMTP from the office is a known exception; IMAP from a hosting provider is an attacker reading mail.',
    '2. If the user or device is unknown: reset the password and revoke sessions.',
    '3. Block legacy authentication with a Conditional Access policy (exclude only documented service accounts), and disable IMAP/POP/SMTP AUTH on mailboxes that do not need them.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: { sources: ['graph.signIns'], operations: ['SignIn'] },
  match(record) {
    const s = signInOf(record);
    if (!s?.user || !s.success || !s.clientApp || !LEGACY_CLIENT_APPS.has(s.clientApp.toLowerCase())) return null;
    return {
      primary: user(s.user),
      related: s.ip ? [ip(s.ip)] : [],
      description: `${s.user} signed in over ${s.clientApp}${s.appName ? ` to ${s.appName}` : ''}${s.ip ? ` from ${s.ip}` : ''}: legacy authentication, no MFA.`,
      eventType: 'LoginAttempt',
      operationResult: 'Success',
      clientApp: s.clientApp,
      occurrenceKey: s.requestId,
    };
  },
});
