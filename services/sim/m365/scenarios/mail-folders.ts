/**
 * Mail folders and inbox rule ids. Graph identifies folders and rules by opaque base64 ids;
 * the simulator derives them from the mailbox and the name, so scenarios, the audit records
 * they publish and the Graph answers agree without storing a folder tree.
 */
import { createHash } from 'node:crypto';

/** Folders every Exchange Online mailbox has (display names in English). */
export const WELL_KNOWN_FOLDERS = [
  'Inbox',
  'Drafts',
  'Sent Items',
  'Deleted Items',
  'Junk Email',
  'Archive',
  'Outbox',
  'RSS Feeds',
  'Conversation History',
] as const;

/** A folder id in Exchange's shape (`AAMkA…AAA=`), stable for a mailbox and folder name. */
export function mailFolderId(userId: string, folderName: string): string {
  const digest = createHash('sha256').update(`${userId.toLowerCase()}/${folderName.toLowerCase()}`).digest();
  return `AAMkA${digest.toString('base64').replace(/=+$/, '')}AAA=`;
}

/** A messageRule id in Graph's shape (`AQAAAJ5dZqA=`: eight bytes, base64). */
export function messageRuleId(userId: string, ruleName: string): string {
  const digest = createHash('sha256').update(`${userId.toLowerCase()}/rule/${ruleName}`).digest();
  return Buffer.concat([Buffer.from([1, 0, 0, 0]), digest.subarray(0, 4)]).toString('base64');
}
