import { directoryOccurrence, directoryTarget, modifiedProperties, operationKey, succeeded } from '../records.ts';
import { defineRule } from '../types.ts';
import { onDirectoryAudit } from './lib/directory-audit.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';

/**
 * A Conditional Access policy added, changed or deleted. CA is what requires MFA and blocks
 * legacy authentication; attackers exclude themselves or switch policies to report-only
 * (MITRE T1556.009). Graph names the operations "… conditional access policy"; the audit log
 * writes "Add/Update/Delete policy." with the policy in ModifiedProperties.
 */
export const conditionalAccessPolicyChanged = defineRule({
  id: 'M365.AzureAD.ConditionalAccessPolicyChanged',
  title: 'Conditional Access policy changed or deleted',
  severity: 'medium',
  mitre: ['TA0005:T1556.009'],
  description: 'A Conditional Access policy was created, modified or deleted.',
  howToReact: [
    '1. Compare the old and new policy on the event page: new exclusions (users, groups, locations), a switch to report-only or off, or a deletion weaken protection.',
    "2. Confirm with the tenant's admins that the change was planned.",
    '3. If not: restore the policy (Entra ID keeps deleted policies for 30 days; re-create from the old values otherwise) and treat the actor as compromised.',
    '4. Check sign-ins of any newly excluded users since the change.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: onDirectoryAudit(
    'Add conditional access policy',
    'Update conditional access policy',
    'Delete conditional access policy',
    'Add policy',
    'Update policy',
    'Delete policy',
  ),
  match(record) {
    if (!succeeded(record)) return null;
    const op = operationKey(record.operation);
    const isCa =
      op.endsWith('conditional access policy') ||
      modifiedProperties(record).some((m) => /conditionalaccesspolicy/i.test(`${m.name} ${m.newValue} ${m.oldValue}`));
    if (!isCa) return null;
    const verb = op.startsWith('delete') ? 'deleted' : op.startsWith('add') ? 'created' : 'changed';
    const target = directoryTarget(record);
    const policy = target.name ?? target.id ?? 'a policy';
    const actor = record.actorUpn ?? 'someone';
    return {
      primary: user(actor),
      dedupKey: `${policy}`,
      severity: verb === 'deleted' ? 'high' : verb === 'created' ? 'low' : 'medium',
      description: `${actor} ${verb} Conditional Access policy '${policy}'.`,
      eventType: 'ConditionalAccessPolicyChange',
      operationResult: 'Success',
      target: policy,
      occurrenceKey: directoryOccurrence(record),
    };
  },
});
