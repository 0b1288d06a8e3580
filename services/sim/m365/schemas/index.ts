/**
 * Schemas of the records Microsoft sends, for checking that what the simulator (and every
 * labelled case) produces is a real shape: the Management Activity API common schema with its
 * workload schemas, chosen by RecordType, and the Graph v1.0 resources the collector reads.
 *
 * ```ts
 * const result = validateAuditRecord(record);
 * if (!result.ok) console.log(result.schema, result.issues); // [{ path: 'ErrorNumber', message: '…' }]
 * ```
 */
import type { z } from 'zod';
import { accountLogonRecord, azureActiveDirectoryRecord, stsLogonRecord } from './azure-active-directory.ts';
import { commonRecord, RECORD_TYPE_NAMES, RECORD_TYPES } from './common.ts';
import { exchangeAdminRecord, exchangeMailboxRecord, mailItemsAccessedRecord } from './exchange.ts';
import { GRAPH_SCHEMAS, type GraphSource } from './graph.ts';
import { discoveryRecord, securityComplianceCmdletRecord } from './security-compliance.ts';
import { sharePointFileOperationRecord, sharePointRecord, sharePointSharingOperationRecord } from './sharepoint.ts';

export { CLIENT_IP_FORMS, clientIpFormOf, RECORD_TYPES, RECORD_TYPE_NAMES, type ClientIpForm } from './common.ts';
export { GRAPH_SCHEMAS, type GraphSource } from './graph.ts';

/** The workload schema of each RecordType that has one; other types are checked against the common schema. */
export const AUDIT_SCHEMAS: Readonly<Record<number, z.ZodType>> = {
  [RECORD_TYPES.ExchangeAdmin]: exchangeAdminRecord,
  [RECORD_TYPES.ExchangeItem]: exchangeMailboxRecord,
  [RECORD_TYPES.ExchangeItemGroup]: exchangeMailboxRecord,
  [RECORD_TYPES.ExchangeItemAggregated]: mailItemsAccessedRecord,
  [RECORD_TYPES.SharePoint]: sharePointRecord,
  [RECORD_TYPES.OneDrive]: sharePointRecord,
  [RECORD_TYPES.SharePointFileOperation]: sharePointFileOperationRecord,
  [RECORD_TYPES.SharePointSharingOperation]: sharePointSharingOperationRecord,
  [RECORD_TYPES.AzureActiveDirectory]: azureActiveDirectoryRecord,
  [RECORD_TYPES.AzureActiveDirectoryAccountLogon]: accountLogonRecord,
  [RECORD_TYPES.AzureActiveDirectoryStsLogon]: stsLogonRecord,
  [RECORD_TYPES.SecurityComplianceCenterEOPCmdlet]: securityComplianceCmdletRecord,
  [RECORD_TYPES.Discovery]: discoveryRecord,
};

export type SchemaIssue = { path: string; message: string };
export type ValidationResult = { ok: true; schema: string } | { ok: false; schema: string; issues: SchemaIssue[] };

function check(schema: z.ZodType, name: string, value: unknown): ValidationResult {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, schema: name };
  return { ok: false, schema: name, issues: result.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(record)', message: i.message })) };
}

/** Checks one audit record against the common schema and the workload schema of its RecordType. */
export function validateAuditRecord(record: unknown): ValidationResult {
  const common = check(commonRecord, 'Common', record);
  if (!common.ok) return common;
  const recordType = (record as { RecordType: number }).RecordType;
  const schema = AUDIT_SCHEMAS[recordType];
  const name = RECORD_TYPE_NAMES[recordType] ?? `RecordType ${recordType}`;
  return schema ? check(schema, name, record) : { ok: true, schema: 'Common' };
}

/** Checks one Graph v1.0 object of a collection the collector reads. */
export function validateGraphRecord(source: GraphSource, record: unknown): ValidationResult {
  return check(GRAPH_SCHEMAS[source], source, record);
}

/** One line per issue: `UserLoginFailed (AzureActiveDirectoryStsLogon) ErrorNumber: …`. */
export function describeFailure(label: string, result: ValidationResult): string[] {
  return result.ok ? [] : result.issues.map((i) => `${label} (${result.schema}) ${i.path}: ${i.message}`);
}
