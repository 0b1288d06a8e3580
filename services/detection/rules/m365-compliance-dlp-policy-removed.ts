import { param, succeeded } from '../records.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';
import { isOff, isOn } from './lib/exchange-admin.ts';
import { isSystemActor } from './lib/system-actor.ts';

/**
 * A data loss prevention policy or rule removed or switched off: what stood between an
 * attacker and sending the customer list or card numbers out is gone (MITRE T1562.001).
 * Purview DLP (Security & Compliance cmdlets) and Exchange's older transport DLP policies.
 */
export const dlpPolicyRemoved = defineRule({
  id: 'M365.Compliance.DlpPolicyRemoved',
  title: 'DLP policy removed or disabled',
  severity: 'high',
  mitre: ['TA0005:T1562.001'],
  description:
    'A Purview DLP policy or rule was removed, disabled or set to test mode (Remove-/Set-DlpCompliancePolicy, Remove-/Set-DlpComplianceRule), or an Exchange DLP policy was removed or disabled (Remove-/Set-DlpPolicy).',
  howToReact: [
    '1. Check who removed or disabled which policy and whether a change request exists (policy tuning happens, but in test mode, not by deletion).',
    '2. Restore the policy (re-enable it, or recreate it from its documentation) now.',
    '3. If unexplained, treat the admin account as compromised: revoke sessions, reset the password, review its other changes (audit, mail flow, sharing settings).',
    '4. Search outgoing mail and sharing since the change for what the policy would have stopped.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: {
    sources: ['Audit.General', 'Audit.Exchange', 'import'],
    operations: [
      'Remove-DlpCompliancePolicy',
      'Set-DlpCompliancePolicy',
      'Remove-DlpComplianceRule',
      'Set-DlpComplianceRule',
      'Remove-DlpPolicy',
      'Set-DlpPolicy',
    ],
  },
  match(record) {
    if (!succeeded(record) || isSystemActor(record)) return null;
    const op = record.operation;
    const name = (param(record, 'Identity') ?? param(record, 'Name') ?? record.target ?? '').trim();
    let what: string | null = null;
    if (op.startsWith('Remove-')) what = `removed the DLP ${op.includes('Rule') ? 'rule' : 'policy'}`;
    else if (op === 'Set-DlpCompliancePolicy') {
      const mode = param(record, 'Mode');
      if (mode && /^(disable|testwithoutnotifications|testwithnotifications)$/i.test(mode.trim()))
        what = /^disable$/i.test(mode.trim()) ? 'disabled the DLP policy' : 'put the DLP policy in test mode (nothing is blocked)';
      else if (isOff(param(record, 'Enabled'))) what = 'disabled the DLP policy';
    } else if (op === 'Set-DlpComplianceRule') {
      if (isOn(param(record, 'Disabled'))) what = 'disabled the DLP rule';
    } else if (op === 'Set-DlpPolicy') {
      const state = param(record, 'State');
      const mode = param(record, 'Mode');
      if (state && /^disabled$/i.test(state.trim())) what = 'disabled the Exchange DLP policy';
      else if (mode && /^audit/i.test(mode.trim())) what = 'put the Exchange DLP policy in audit mode';
    }
    if (!what) return null;
    const actor = record.actorUpn ?? 'someone';
    return {
      primary: user(actor),
      dedupKey: `${actor}|${name.toLowerCase()}`,
      description: `${actor} ${what} ${name ? `"${name}"` : ''}.`.replace(' .', '.'),
      eventType: 'DlpPolicyChange',
      operationResult: 'Success',
      target: name || null,
      fields: { policy: name },
    };
  },
});
