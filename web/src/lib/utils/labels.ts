import type { components } from '$lib/api/schema';

type Role = components['schemas']['Session']['user']['role'];

/** How each role is named in the interface. */
export const ROLE_LABELS = {
  owner: 'Owner',
  admin: 'Admin',
  technician: 'Technician',
  read_only: 'Read-only',
} as const satisfies Record<Role, string>;

type AuthMode = components['schemas']['Tenant']['authMode'];

/** How Tenantwatch reaches a tenant, in an admin's words. */
export const AUTH_MODE_LABELS = {
  consent: 'Admin consent',
  secret: 'App + client secret',
  certificate: 'App + certificate',
} as const satisfies Record<AuthMode, string>;

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** A date for tables, in the user's locale; the raw value when it is not a date. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateFormat.format(date);
}
