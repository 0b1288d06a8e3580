/** Dismiss user risk: tells Identity Protection the user is safe; their open risk detections are closed. */
import { riskOf, setRisk } from './user-risk.ts';
import type { RemediationAction } from './types.ts';

export const dismissUserRisk: RemediationAction = {
  name: 'dismiss-user-risk',
  title: 'Dismiss user risk',
  description: "Dismisses the user's risk in Microsoft Entra ID Protection (risk none): use it once you know the activity was the user's own.",
  entityKinds: ['user', 'mailbox'],
  permission: { resource: 'graph', permission: 'IdentityRiskyUser.ReadWrite.All' },
  restrictsAccess: false,
  snapshot: riskOf,
  run: (ctx, target) => setRisk(ctx, target, 'dismiss', ['dismissed', 'none', 'remediated']),
};
