/** Sign-in rules share their trigger: Graph signIns and the audit log's STS logons. */
import type { ActivitySource } from '../../../../db/schema/index.ts';

export const SIGN_IN_SOURCES: readonly ActivitySource[] = ['graph.signIns', 'Audit.AzureActiveDirectory', 'import'];
export const SIGN_IN_OPERATIONS = ['SignIn', 'UserLoggedIn', 'UserLoginFailed'] as const;
