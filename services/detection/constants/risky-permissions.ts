// The risky permissions are one column of the permission table in services/microsoft/permissions.ts.
export { RISKY_PERMISSIONS, riskyPermissions } from '../../microsoft/permissions.ts';
