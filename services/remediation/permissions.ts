import { ACTIONS } from './actions/index.ts';

/**
 * The application permissions remediation needs, per API: each action's own, plus what revoking
 * an app's consent needs for its application permissions. The demo tenant grants them all.
 */
export const REMEDIATION_PERMISSIONS: { graph: string[]; exchange: string[] } = {
  graph: [
    ...new Set([
      ...Object.values(ACTIONS)
        .filter((a) => a.permission.resource === 'graph')
        .map((a) => a.permission.permission),
      'AppRoleAssignment.ReadWrite.All',
    ]),
  ],
  exchange: [
    ...new Set(
      Object.values(ACTIONS)
        .filter((a) => a.permission.resource === 'exchange')
        .map((a) => a.permission.permission),
    ),
  ],
};
