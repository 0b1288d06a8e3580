/** Confirm compromised: tells Identity Protection the user is compromised (risk high), so risk-based Conditional Access acts on it. */
import { riskOf, setRisk } from './user-risk.ts';
import type { RemediationAction } from './types.ts';

export const confirmCompromised: RemediationAction = {
  name: 'confirm-compromised',
  title: 'Confirm user compromised',
  description: 'Marks the user as compromised in Microsoft Entra ID Protection: the user risk becomes high, and risk-based Conditional Access policies apply.',
  entityKinds: ['user', 'mailbox'],
  permission: { resource: 'graph', permission: 'IdentityRiskyUser.ReadWrite.All' },
  restrictsAccess: false,
  snapshot: riskOf,
  run: (ctx, target) => setRisk(ctx, target, 'confirmCompromised', ['confirmedCompromised']),
};
