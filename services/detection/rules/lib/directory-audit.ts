/**
 * Directory-audit rules share their trigger: Entra's audit events reach us from the audit log
 * (`Audit.AzureActiveDirectory`, where most activity names end with a period: `Update user.`),
 * from Graph's directoryAudits (the same names without it: `Update user`) and from imports
 * (either spelling). Rules name each activity once; this lists both spellings.
 */
import type { ActivitySource } from '../../../../db/schema/index.ts';

export const DIRECTORY_AUDIT_SOURCES: readonly ActivitySource[] = ['Audit.AzureActiveDirectory', 'graph.directoryAudits', 'import'];

/**
 * The `on` of a directory-audit rule: every activity as given, without its trailing period and
 * with one. Odd spellings Microsoft writes (a space before the period) are kept as given.
 * @example onDirectoryAudit('Update user', 'Delete user') // Update user, Update user., Delete user, Delete user.
 */
export function onDirectoryAudit(...activities: string[]): { sources: readonly ActivitySource[]; operations: readonly string[] } {
  const names = new Set<string>();
  for (const activity of activities) {
    const bare = activity.trim().replace(/\.$/, '').trimEnd();
    names.add(activity);
    names.add(bare);
    names.add(`${bare}.`);
  }
  return { sources: DIRECTORY_AUDIT_SOURCES, operations: [...names] };
}
