import { pgEnum } from 'drizzle-orm/pg-core';

/**
 * Enum values as `as const` tuples: the same tuple feeds the Postgres enum here and the
 * zod enums in the API, so a new value is added in one place.
 */

/** Ordered from least to most privileged; `services/api/auth/roles.ts` relies on this order. */
export const USER_ROLES = ['read_only', 'technician', 'admin', 'owner'] as const;
export type UserRole = (typeof USER_ROLES)[number];
export const userRole = pgEnum('user_role', USER_ROLES);

/** invited: setup link sent, no password yet. disabled: cannot sign in, kept for the audit trail. */
export const USER_STATUSES = ['invited', 'active', 'disabled'] as const;
export const userStatus = pgEnum('user_status', USER_STATUSES);

/** How Tenantwatch authenticates to a customer tenant. */
export const TENANT_AUTH_MODES = ['consent', 'secret', 'certificate'] as const;
export type TenantAuthMode = (typeof TENANT_AUTH_MODES)[number];
export const tenantAuthMode = pgEnum('tenant_auth_mode', TENANT_AUTH_MODES);

/** pending: added, not yet verified. error: last verification or collection failed for good. */
export const TENANT_STATUSES = ['pending', 'active', 'disabled', 'error'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];
export const tenantStatus = pgEnum('tenant_status', TENANT_STATUSES);

/** Where an activity record came from: a Management Activity API content type or a Graph feed. */
export const ACTIVITY_SOURCES = [
  'Audit.AzureActiveDirectory',
  'Audit.Exchange',
  'Audit.SharePoint',
  'Audit.General',
  'graph.signIns',
  'graph.directoryAudits',
  'graph.alerts_v2',
  'graph.riskDetections',
  'graph.riskyUsers',
  'import',
] as const;
export type ActivitySource = (typeof ACTIVITY_SOURCES)[number];
export const activitySource = pgEnum('activity_source', ACTIVITY_SOURCES);

export const SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severity = pgEnum('severity', SEVERITIES);

export const EVENT_STATUSES = ['open', 'ignored', 'resolved'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];
export const eventStatus = pgEnum('event_status', EVENT_STATUSES);

export const ENTITY_KINDS = ['user', 'app', 'inbox_rule', 'mail_flow_rule', 'link', 'ip', 'mailbox'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];
export const entityKind = pgEnum('entity_kind', ENTITY_KINDS);

/** pending: enrichment queued. recorded: snapshot taken. unavailable: gave up, reason kept. */
export const SNAPSHOT_STATUSES = ['pending', 'recorded', 'unavailable'] as const;
export const snapshotStatus = pgEnum('snapshot_status', SNAPSHOT_STATUSES);

/**
 * `remediation`: runs a remediation action on the event's entity, under the approval policy.
 * `ticket`: files a ticket in the MSP's PSA through the tenant's mapping.
 */
export const TRIGGER_ACTION_KINDS = ['email', 'webhook', 'slack', 'teams', 'remediation', 'ticket'] as const;
export type TriggerActionKind = (typeof TRIGGER_ACTION_KINDS)[number];
export const triggerActionKind = pgEnum('trigger_action_kind', TRIGGER_ACTION_KINDS);

/** dead: retries exhausted; kept with its last error so nothing disappears silently. */
export const DELIVERY_STATUSES = ['pending', 'sending', 'delivered', 'failed', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** immediate: one message per event. gathered: the events of N minutes in one message per action. */
export const TRIGGER_DELIVERY_MODES = ['immediate', 'gathered'] as const;
export type TriggerDeliveryMode = (typeof TRIGGER_DELIVERY_MODES)[number];
export const triggerDeliveryMode = pgEnum('trigger_delivery_mode', TRIGGER_DELIVERY_MODES);

/**
 * event: a condition over each new event. score: a user's risk score enters a band. schedule: a
 * cron expression, e.g. a weekly report.
 */
export const TRIGGER_KINDS = ['event', 'score', 'schedule'] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];
export const triggerKind = pgEnum('trigger_kind', TRIGGER_KINDS);

/** A user's risk-score bands, lowest first (services/notify/risk-score.ts has the thresholds). */
export const RISK_BANDS_ORDER = ['low', 'medium', 'high', 'critical'] as const;
export type RiskBandName = (typeof RISK_BANDS_ORDER)[number];
export const riskBandEnum = pgEnum('risk_band', RISK_BANDS_ORDER);

/** Tenantwatch's own security events: sign-ins to it and password changes. */
export const PRODUCT_EVENT_TYPES = ['LoginAttempt', 'ChangePasswordAttempt'] as const;
export type ProductEventType = (typeof PRODUCT_EVENT_TYPES)[number];
export const PRODUCT_OPERATION_RESULTS = ['Success', 'PasswordInvalid', 'OneTimePasswordInvalid', 'LockedOut'] as const;
export type ProductOperationResult = (typeof PRODUCT_OPERATION_RESULTS)[number];
/** Local: a Tenantwatch password. Microsoft: "Sign in with Microsoft". */
export const PRODUCT_USER_SOURCES = ['Local', 'Microsoft'] as const;
export type ProductUserSource = (typeof PRODUCT_USER_SOURCES)[number];
export const deliveryStatus = pgEnum('delivery_status', DELIVERY_STATUSES);

export const PSA_KINDS = ['connectwise', 'autotask'] as const;
export type PsaKind = (typeof PSA_KINDS)[number];
export const psaKind = pgEnum('psa_kind', PSA_KINDS);

/**
 * An action's life: `pending_approval` → `approved` (or `rejected`, or `expired` when nobody
 * decided in time) → `running` → `succeeded` | `failed`. Auto-executed actions start at `approved`.
 */
export const REMEDIATION_STATUSES = ['pending_approval', 'approved', 'rejected', 'running', 'succeeded', 'failed', 'expired'] as const;
export type RemediationStatus = (typeof REMEDIATION_STATUSES)[number];
export const remediationStatus = pgEnum('remediation_status', REMEDIATION_STATUSES);

/** first_owner: creates the MSP and its owner on a fresh install. invite: sets a new user's password. */
export const SETUP_TOKEN_KINDS = ['first_owner', 'invite', 'password_reset'] as const;
export type SetupTokenKind = (typeof SETUP_TOKEN_KINDS)[number];
export const setupTokenKind = pgEnum('setup_token_kind', SETUP_TOKEN_KINDS);

export const ACTOR_TYPES = ['user', 'token', 'system'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];
export const actorType = pgEnum('actor_type', ACTOR_TYPES);

/**
 * What makes two matches of a custom detection the same event: the activity's user, its client
 * IP, both, or nothing (every match within the window joins one event per tenant).
 */
export const CUSTOM_DETECTION_DEDUP = ['user', 'ip', 'user+ip', 'none'] as const;
export type CustomDetectionDedup = (typeof CUSTOM_DETECTION_DEDUP)[number];
export const customDetectionDedup = pgEnum('custom_detection_dedup', CUSTOM_DETECTION_DEDUP);

/** An audit-file import: queued (file received), running, done (summary kept), failed (error kept). */
export const IMPORT_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];
export const importStatus = pgEnum('import_status', IMPORT_STATUSES);
