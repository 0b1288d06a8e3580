/**
 * The entity enrichment contract: which entity (`EntityRef`), what the admin needs to know
 * about it (`Snapshot`, a JSON object per kind), and what happens when it cannot be known
 * (`unavailable` with a reason and a sentence the event page can show as it is).
 *
 * An enricher never throws: every failure, including a bug, becomes `unavailable`.
 */
import type { z } from 'zod';
import type { missingPartSchema } from './snapshot-parts.ts';

export const ENTITY_KINDS = ['user', 'app', 'inbox_rule', 'mail_flow_rule', 'link'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

/**
 * One entity of one Microsoft 365 tenant. `key` by kind:
 * - `user`: object id or UPN;
 * - `app`: application (client) id or service principal object id;
 * - `inbox_rule`: `{mailbox}\{rule id or rule name}` (Exchange's own identity form; audit
 *   records carry names, Graph ids), see `inboxRuleKey`;
 * - `mail_flow_rule`: the transport rule's name or GUID;
 * - `link`: the shared item's URL (`SiteUrl` + `SourceRelativeUrl` of the audit record), a
 *   sharing link URL, or `drives/{driveId}/items/{itemId}`.
 */
export interface EntityRef {
  kind: EntityKind;
  key: string;
  /** The Microsoft tenant id (GUID) the entity lives in. */
  tenant: string;
}

/** Extra facts the caller has from the event (never looked up, shown as given). */
export interface EnrichContext {
  /** Why the detection flagged this entity, in its words (rules show it as "why it was flagged"). */
  reason?: string;
  /** SharePoint audit record `SiteUrl` and `SourceRelativeUrl`, for links. */
  siteUrl?: string;
  sourceRelativeUrl?: string;
  /** UPNs or object ids of the tenant's break-glass accounts. */
  breakGlassAccounts?: readonly string[];
}

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** What enrichment recorded about an entity. Keys are camelCase; the filter language reads some of them. */
export interface Snapshot extends JsonObject {
  schemaVersion: number;
}

/**
 * - `entity-deleted`: the entity no longer exists (final);
 * - `permission-missing`: the app lacks a permission (final until the admin grants it);
 * - `no-data`: Microsoft holds nothing for it (final);
 * - `rate-limited`: our per-tenant limit or Microsoft throttling (try later);
 * - `error`: anything else (try later).
 */
export const UNAVAILABLE_REASONS = ['entity-deleted', 'permission-missing', 'no-data', 'rate-limited', 'error'] as const;
export type UnavailableReason = (typeof UNAVAILABLE_REASONS)[number];

export type EnrichmentResult =
  | { status: 'recorded'; snapshot: Snapshot }
  | {
      status: 'unavailable';
      reason: UnavailableReason;
      /** Plain words for the admin, e.g. "The app lacks User.Read.All; grant it and give admin consent." */
      message: string;
      /** Worth retrying later (throttling, outages), as opposed to a final answer. */
      transient: boolean;
    };

/** A part of a snapshot that could not be read while the rest could (e.g. MFA without AuditLog.Read.All). */
export type MissingPart = z.infer<typeof missingPartSchema>;

/** Resources the enrichers ask tokens for. */
export type TokenResource = 'graph' | 'exchange';

/**
 * An app-only access token for a tenant and resource; `fresh` skips any cache (after a 401).
 * Production passes the collector's TokenProvider (`graph`) and the Exchange Online resource
 * (`https://outlook.office365.com/.default`).
 */
export type GetToken = (tenant: string, resource: TokenResource, options?: { fresh?: boolean }) => Promise<string>;

export function unavailable(reason: UnavailableReason, message: string): Extract<EnrichmentResult, { status: 'unavailable' }> {
  return { status: 'unavailable', reason, message, transient: reason === 'rate-limited' || reason === 'error' };
}

export function recorded(snapshot: Snapshot): Extract<EnrichmentResult, { status: 'recorded' }> {
  return { status: 'recorded', snapshot };
}
