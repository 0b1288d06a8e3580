import { z } from 'zod';
import { parseClientIp } from '../../activity/client-ip.ts';
import { describeIssues, lower, parseUtc } from './common.ts';
import type { NormalizedActivity, Normalizer, NormalizeResult } from '../../activity/types.ts';

/** Graph feeds: each has an id and a timestamp field; everything else is optional here. */
function graphNormalizer<S extends z.ZodObject>(
  schema: S,
  timeField: string,
  map: (r: z.infer<S> & { id: string }) => Omit<NormalizedActivity, 'occurredAt'>,
): Normalizer {
  const withId = schema.extend({ id: z.string().min(1) }).loose();
  return (raw): NormalizeResult => {
    const parsed = withId.safeParse(raw);
    if (!parsed.success) return { ok: false, reason: `not a valid Graph record: ${describeIssues(parsed.error)}` };
    const r = parsed.data as z.infer<S> & { id: string } & Record<string, unknown>;
    const occurredAt = parseUtc(r[timeField]);
    if (!occurredAt) return { ok: false, reason: `${timeField} is not a date: ${JSON.stringify(r[timeField] ?? null).slice(0, 60)}` };
    return { ok: true, activity: { ...map(r), occurredAt } };
  };
}

const str = z.string().nullish();

/** auditLogs/signIns. Outcome is `status.errorCode` (0 = success). */
export const normalizeGraphSignIn = graphNormalizer(
  z.object({
    createdDateTime: z.string(),
    userId: str,
    userPrincipalName: str,
    ipAddress: str,
    userAgent: str,
    appDisplayName: str,
    resourceDisplayName: str,
    status: z.object({ errorCode: z.number().int() }).loose().nullish(),
  }),
  'createdDateTime',
  (r) => {
    const code = r.status?.errorCode ?? 0;
    return {
      recordId: r.id,
      workload: 'AzureActiveDirectory',
      operation: 'SignIn',
      recordType: null,
      actorId: r.userId ?? null,
      actorUpn: lower(r.userPrincipalName),
      clientIp: parseClientIp(r.ipAddress),
      userAgent: r.userAgent ?? null,
      result: code === 0 ? 'Success' : `Failed:${code}`,
      target: r.appDisplayName ?? r.resourceDisplayName ?? null,
    };
  },
);

/** auditLogs/directoryAudits. Actor is a user or an app (`initiatedBy`). */
export const normalizeGraphDirectoryAudit = graphNormalizer(
  z.object({
    activityDateTime: z.string(),
    activityDisplayName: z.string().min(1),
    result: str,
    loggedByService: str,
    initiatedBy: z
      .object({
        user: z.object({ id: str, userPrincipalName: str, ipAddress: str }).loose().nullish(),
        app: z.object({ servicePrincipalId: str, displayName: str }).loose().nullish(),
      })
      .loose()
      .nullish(),
    targetResources: z.array(z.object({ id: str, displayName: str, userPrincipalName: str }).loose()).nullish(),
  }),
  'activityDateTime',
  (r) => {
    const user = r.initiatedBy?.user;
    const app = r.initiatedBy?.app;
    const first = r.targetResources?.[0];
    return {
      recordId: r.id,
      workload: 'AzureActiveDirectory',
      operation: r.activityDisplayName,
      recordType: null,
      actorId: user?.id ?? app?.servicePrincipalId ?? null,
      actorUpn: lower(user?.userPrincipalName ?? app?.displayName),
      clientIp: parseClientIp(user?.ipAddress),
      userAgent: null,
      result: r.result ?? null,
      target: first?.userPrincipalName ?? first?.displayName ?? first?.id ?? null,
    };
  },
);

/** security/alerts_v2: Defender and Identity Protection alerts. */
export const normalizeGraphAlert = graphNormalizer(
  z.object({
    createdDateTime: z.string(),
    title: z.string().min(1),
    severity: str,
    serviceSource: str,
    evidence: z.array(z.object({ userAccount: z.object({ userPrincipalName: str, azureAdUserId: str }).loose().nullish(), ipAddress: str }).loose()).nullish(),
  }),
  'createdDateTime',
  (r) => {
    const account = r.evidence?.find((e) => e.userAccount)?.userAccount;
    const ip = r.evidence?.find((e) => e.ipAddress)?.ipAddress;
    return {
      recordId: r.id,
      workload: r.serviceSource ?? 'Security',
      operation: r.title,
      recordType: null,
      actorId: account?.azureAdUserId ?? null,
      actorUpn: lower(account?.userPrincipalName),
      clientIp: parseClientIp(ip),
      userAgent: null,
      result: r.severity ?? null,
      target: account?.userPrincipalName ?? null,
    };
  },
);

/** identityProtection/riskDetections. */
export const normalizeGraphRiskDetection = graphNormalizer(
  z.object({
    activityDateTime: z.string(),
    riskEventType: z.string().min(1),
    riskLevel: str,
    userId: str,
    userPrincipalName: str,
    ipAddress: str,
  }),
  'activityDateTime',
  (r) => ({
    recordId: r.id,
    workload: 'IdentityProtection',
    operation: r.riskEventType,
    recordType: null,
    actorId: r.userId ?? null,
    actorUpn: lower(r.userPrincipalName),
    clientIp: parseClientIp(r.ipAddress),
    userAgent: null,
    result: r.riskLevel ?? null,
    target: r.userPrincipalName ?? null,
  }),
);

/**
 * identityProtection/riskyUsers. A risky user is a state, not an event: each change of that
 * state (its update time) is one record, so the id includes the time.
 */
export const normalizeGraphRiskyUser = graphNormalizer(
  z.object({ riskLastUpdatedDateTime: z.string(), riskLevel: str, riskState: str, userPrincipalName: str }),
  'riskLastUpdatedDateTime',
  (r) => ({
    recordId: `${r.id}@${r.riskLastUpdatedDateTime}`,
    workload: 'IdentityProtection',
    operation: `RiskyUser.${r.riskState ?? 'unknown'}`,
    recordType: null,
    actorId: r.id,
    actorUpn: lower(r.userPrincipalName),
    clientIp: null,
    userAgent: null,
    result: r.riskLevel ?? null,
    target: r.userPrincipalName ?? null,
  }),
);
