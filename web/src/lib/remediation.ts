import type { components } from '$lib/api/schema';

export type RemediationAction = components['schemas']['RemediationAction'];
type Status = RemediationAction['status'];
type Role = components['schemas']['Session']['user']['role'];

/** Each status in an admin's words, with its badge tone. */
export const STATUS_LABELS = {
  pending_approval: { label: 'Waiting for approval', tone: 'badge-warning' },
  approved: { label: 'Approved, queued', tone: 'badge-info' },
  running: { label: 'Running', tone: 'badge-info' },
  succeeded: { label: 'Done', tone: 'badge-success' },
  failed: { label: 'Failed', tone: 'badge-danger' },
  rejected: { label: 'Rejected', tone: 'badge-neutral' },
  expired: { label: 'Expired', tone: 'badge-neutral' },
} as const satisfies Record<Status, { label: string; tone: string }>;

/** Technicians and up ask for actions and undo them; admins and owners approve. */
export const canRequestRemediation = (role: Role) => role !== 'read_only';
export const canApproveRemediation = (role: Role) => role === 'admin' || role === 'owner';

/** Still moving: the page keeps asking until it settles. */
export const isUnsettled = (a: Pick<RemediationAction, 'status'>) => a.status === 'approved' || a.status === 'running';

export const ENTITY_LABELS: Record<string, string> = {
  user: 'User',
  mailbox: 'Mailbox',
  inbox_rule: 'Inbox rule',
  mail_flow_rule: 'Mail flow rule',
  link: 'Shared link',
  app: 'App',
  ip: 'IP address',
};
