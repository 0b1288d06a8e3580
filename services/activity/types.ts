import type { ActivitySource } from '../../db/schema/index.ts';

/** One activity record in Tenantwatch's model; the raw record is stored beside it unchanged. */
export type NormalizedActivity = {
  /** The record's own id (`Id` in the audit log, `id` in Graph). */
  recordId: string;
  occurredAt: Date;
  /** AzureActiveDirectory, Exchange, SharePoint, OneDrive, MicrosoftTeams, IdentityProtection, ... */
  workload: string;
  /** The source's operation name, kept as sent (`Add member to role.` keeps its period). */
  operation: string;
  recordType: number | null;
  /** Entra object id of the actor, when the record carries one. */
  actorId: string | null;
  /** UPN (or app / system name) of the actor, lower-case. */
  actorUpn: string | null;
  /** Parsed client address (see client-ip.ts); null when absent or not an IP. */
  clientIp: string | null;
  userAgent: string | null;
  result: string | null;
  target: string | null;
};

export type NormalizeResult = { ok: true; activity: NormalizedActivity } | { ok: false; reason: string };

/** A normaliser turns one raw record of its source into the model, or says why it cannot. */
export type Normalizer = (raw: unknown) => NormalizeResult;

export type { ActivitySource };
