import { asString, param, rawOf, succeeded } from '../records.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';

/** Operations that export or purge what a search found. */
const EXPORTS = new Set(['SearchExported', 'SearchExportDownloaded', 'SearchPurged', 'New-ComplianceSearchAction']);
const SEARCHES = new Set(['New-ComplianceSearch', 'Start-ComplianceSearch', 'SearchCreated', 'SearchStarted']);

/**
 * eDiscovery (content search) over mailboxes and sites, and its export: one search reads every
 * mailbox in the tenant, which makes it an attacker's shortcut to mass collection (MITRE
 * T1114.002). Cmdlets come as RecordType 18 (SecurityComplianceCenterEOPCmdlet), eDiscovery
 * activities as RecordType 24 (Discovery).
 */
export const eDiscoverySearch = defineRule({
  id: 'M365.Compliance.EDiscoverySearch',
  title: 'eDiscovery search or export',
  severity: 'medium',
  mitre: ['TA0009:T1114.002'],
  description: 'A content search was created or started, or its results exported, downloaded or purged, in Microsoft Purview eDiscovery.',
  howToReact: [
    '1. Check who ran it, over which mailboxes and sites and with which query: legal holds and HR cases are normal and come with a case number.',
    '2. An export or download is the sensitive part: confirm with the compliance owner that it was authorised.',
    "3. If not: revoke the actor's sessions, reset the password, remove their eDiscovery roles, and delete the search and its export.",
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: { operations: [...EXPORTS, ...SEARCHES] },
  match(record) {
    if (!succeeded(record)) return null;
    const raw = rawOf(record);
    // A switch is set when present, unless given as `-Export:$false`.
    const set = (name: string) => {
      const value = param(record, name);
      return value !== null && !/^false$/i.test(value.trim());
    };
    const action = set('Export') ? 'export' : set('Purge') ? 'purge' : null;
    if (record.operation === 'New-ComplianceSearchAction' && !action) return null;
    const exporting = EXPORTS.has(record.operation);
    const name = param(record, 'Name') ?? param(record, 'SearchName') ?? asString(raw.ObjectId) ?? 'a search';
    const actor = record.actorUpn ?? 'someone';
    return {
      primary: user(actor),
      dedupKey: `${actor}|${name}`,
      severity: exporting ? 'high' : 'medium',
      description: `${actor} ${exporting ? `ran ${record.operation === 'New-ComplianceSearchAction' ? `a ${action} of` : record.operation.replace(/^Search/, '').toLowerCase()}` : 'created or started'} eDiscovery search '${name}'${param(record, 'ContentMatchQuery') ? ` with query '${param(record, 'ContentMatchQuery')}'` : ''}.`,
      eventType: 'EDiscoverySearch',
      operationResult: 'Success',
      target: name,
    };
  },
});
