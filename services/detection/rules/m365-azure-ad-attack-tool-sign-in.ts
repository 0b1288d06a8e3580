import { signInOf, signInResult, SIGN_IN_CODES } from '../records.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, ip, noSettings, user } from './lib/common.ts';
import { SIGN_IN_OPERATIONS, SIGN_IN_SOURCES } from './lib/sign-in-common.ts';
import { attackToolOf } from '../constants/attack-tool-agents.ts';

/**
 * A sign-in attempt whose user agent is that of a public offensive tool or a bare scripting
 * library (constants/attack-tool-agents.ts): sprayers, directory dumpers and token tools talk
 * to login.microsoftonline.com with them, people's browsers and Office apps never do. A right
 * password (success, MFA prompt, Conditional Access) makes it high; failures alone medium.
 */
export const attackToolSignIn = defineRule({
  id: 'M365.AzureAD.AttackToolSignIn',
  title: 'Sign-in attempt by an attack tool',
  severity: 'medium',
  mitre: ['TA0006:T1110', 'TA0007:T1087.004'],
  description:
    'A sign-in attempt carried the user agent of a public offensive tool (TeamFiltration, o365spray, fasthttp sprayers…) or of a bare scripting library (python-requests, aiohttp, Go-http-client, axios, curl). High when the password was accepted, medium for failures.',
  howToReact: [
    "1. Check the account and the user agent: a script user agent on a service account that runs a known integration may be expected (then exclude that account with a whitelist rule); on a person's account it is not.",
    "2. If the password was accepted (success, MFA required, blocked by Conditional Access): reset the password, revoke sessions and review the account's activity since; the attacker has the password.",
    '3. Look for spray events from the same address or network, and block the address with a Conditional Access named location.',
    '4. Block legacy authentication and device-code flows the tool may use, and require MFA for every account.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  // The spray events already name the tool; one story, one event.
  suppressedBy: ['M365.AzureAD.PasswordSpray', 'M365.AzureAD.SprayValidPassword', 'M365.AzureAD.DistributedPasswordSpray'],
  on: { sources: SIGN_IN_SOURCES, operations: SIGN_IN_OPERATIONS },
  match(record) {
    const s = signInOf(record);
    const tool = attackToolOf(s?.userAgent);
    if (!s || !tool?.alone) return null;
    const accepted = SIGN_IN_CODES.passwordAccepted.has(s.errorCode);
    const target = s.user ?? 'an unknown account';
    return {
      // A right password is about the account; failures are about where they come from.
      primary: accepted && s.user ? user(s.user) : ip(s.ip ?? tool.tool),
      dedupKey: accepted && s.user ? `${tool.tool}|${s.user}` : `${tool.tool}|${s.ip ?? ''}`,
      related: [...(s.ip && accepted ? [ip(s.ip)] : []), ...(s.user && !accepted ? [user(s.user, [])] : [])],
      severity: accepted ? 'high' : 'medium',
      description: `${s.ip ?? 'An unknown address'} ${accepted ? `signed in as ${target} with the right password ('${signInResult(s.errorCode)}')` : `tried to sign in as ${target}`} using the user agent of ${tool.tool} (${tool.kind === 'script' ? 'a scripting library' : `a ${tool.kind} tool`}).`,
      eventType: 'LoginAttempt',
      operationResult: signInResult(s.errorCode),
      userName: s.user,
      networkAddress: s.ip,
      clientApp: s.clientApp,
      occurrenceKey: s.requestId,
      fields: { attackTool: tool.tool, attackToolKind: tool.kind, errorCode: s.errorCode },
    };
  },
});
