import { z } from 'zod';
import { parseClientIp } from '../../activity/client-ip.ts';
import { cmdletParameterValue } from './cmdlet-parameters.ts';
import type { NormalizedActivity, NormalizeResult } from '../../activity/types.ts';

/**
 * Times in the audit log are UTC without a zone (`2023-07-23T06:25:34`); Graph sends `Z` and
 * up to seven fractional digits. Either way the result is a UTC Date, or null when unreadable.
 */
export function parseUtc(input: unknown): Date | null {
  // `2024-05-06 15:04:05` (Log Analytics, spreadsheets re-saving an export) is the same instant.
  const value = typeof input === 'string' ? input.trim().replace(/^(\d{4}-\d{2}-\d{2}) (?=\d{2}:)/, '$1T') : input;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(value)) return null;
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`;
  // Date parses at most millisecond precision; drop the extra digits Graph sends.
  const date = new Date(zoned.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(date.getTime()) ? null : date;
}

const nameValue = z.array(z.object({ Name: z.string(), Value: z.unknown() }).loose());

/** The Management Activity API common schema: the fields every record must have to be stored. */
export const auditRecord = z
  .object({
    Id: z.string().min(1),
    CreationTime: z.string(),
    Operation: z.string().min(1),
    Workload: z.string().min(1),
    // The live API sends ints; exports and some tools stringify them.
    RecordType: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]),
    UserId: z.string().nullish(),
    UserKey: z.string().nullish(),
    ClientIP: z.string().nullish(),
    ObjectId: z.string().nullish(),
    ResultStatus: z.string().nullish(),
    ExtendedProperties: nameValue.nullish(),
    // Exchange admin cmdlets (RecordType 1) list `[{Name, Value}]`; Security & Compliance
    // Center cmdlets (RecordType 18) send one string: `-Name "q2" -ExchangeLocation "All"`.
    Parameters: z.union([nameValue, z.string()]).nullish(),
    Actor: z.array(z.object({ ID: z.string(), Type: z.number() }).loose()).nullish(),
  })
  .loose();
export type AuditRecord = z.infer<typeof auditRecord>;

/** Value of a `[{ Name, Value }]` list entry (or a parameter of the one-string cmdlet form), as a string. */
export function nameValueOf(list: { Name: string; Value?: unknown }[] | string | null | undefined, name: string): string | null {
  if (typeof list === 'string') return cmdletParameterValue(list, name);
  const hit = list?.find((p) => p.Name === name);
  if (hit === undefined || hit.Value === null || hit.Value === undefined) return null;
  return typeof hit.Value === 'string' ? hit.Value : JSON.stringify(hit.Value);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isGuid = (v: unknown): v is string => typeof v === 'string' && GUID.test(v);

export const lower = (v: string | null | undefined) => (v ? v.trim().toLowerCase() : null) || null;

/** Explains a zod failure in one line for the quarantine. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || 'record'}: ${i.message}`)
    .join('; ');
}

/**
 * Parses a record against the common schema and fills the fields every workload shares; the
 * workload normaliser then adjusts what differs.
 */
export function normalizeAudit(raw: unknown, adjust: (record: AuditRecord, base: NormalizedActivity) => NormalizedActivity): NormalizeResult {
  const parsed = auditRecord.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: `not a valid audit record: ${describeIssues(parsed.error)}` };
  const r = parsed.data;
  const occurredAt = parseUtc(r.CreationTime);
  if (!occurredAt) return { ok: false, reason: `CreationTime is not a date: ${JSON.stringify(r.CreationTime).slice(0, 60)}` };
  const base: NormalizedActivity = {
    recordId: r.Id,
    occurredAt,
    workload: r.Workload,
    operation: r.Operation,
    recordType: r.RecordType,
    actorId: null,
    actorUpn: lower(r.UserId),
    clientIp: parseClientIp(r.ClientIP),
    userAgent: null,
    result: r.ResultStatus ?? null,
    target: r.ObjectId || null,
  };
  return { ok: true, activity: adjust(r, base) };
}
