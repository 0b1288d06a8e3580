/**
 * One activity record as the filter language sees it, for custom detections: the same `Event.*`
 * vocabulary the built-in detections write on their events (README.md, "Event vocabulary"), so
 * `Event.EventType = 'LoginAttempt' AND Event.OperationResult = 'LockedOut'` reads the same over
 * a tenant's sign-ins as over raised events and over Tenantwatch's own sign-ins.
 *
 * Only fields an activity record carries are readable (`overActivity` in the field registry):
 * severity, status, count, title and the enrichment snapshots (`User.Department`, `IP.Country`)
 * exist only once an event has been raised, so a custom detection that reads them is refused.
 */
import type { activity } from '../../db/schema/index.ts';
import { inboxRuleChange } from './inbox-rules.ts';
import { FIELDS, FilterUnknownFieldError, type FieldDefinition, type FilterableEvent, type FilterNode, type ParsedFilter } from '../language/index.ts';
import { asString, directoryTarget, operationKey, param, rawOf, signInOf, signInResult, succeeded } from './records.ts';
import { DELETE_OPERATIONS, DOWNLOAD_OPERATIONS } from './series.ts';
import type { DetectionRecord } from './types.ts';

/** An activity as the language reads it; `eventType` and `operationResult` are also what a custom event stores. */
export type ActivityEvent = FilterableEvent & {
  eventType: string | null;
  operationResult: string | null;
  userName: string | null;
  networkAddress: string | null;
};

/** Directory and workload operations by `operationKey`, in the vocabulary of the built-in detections. */
const EVENT_TYPES: Record<string, string> = {
  'change user password': 'ChangePasswordAttempt',
  'change password (self-service)': 'ChangePasswordAttempt',
  'reset password (self-service)': 'ChangePasswordAttempt',
  'reset user password': 'PasswordReset',
  'new-transportrule': 'MailFlowRuleCreated',
  'set-transportrule': 'MailFlowRuleModified',
  'add-mailboxpermission': 'MailboxPermissionGranted',
  'add-recipientpermission': 'MailboxPermissionGranted',
  'set-adminauditlogconfig': 'AuditLoggingChange',
  'set-mailboxauditbypassassociation': 'AuditLoggingChange',
  'consent to application': 'AppConsent',
  'add app role assignment to service principal': 'AppConsent',
  'add service principal': 'ServicePrincipalCreated',
  'add service principal credentials': 'AppCredentialsAdded',
  'update application – certificates and secrets management': 'AppCredentialsAdded',
  'update application - certificates and secrets management': 'AppCredentialsAdded',
  'add member to role': 'RoleAssigned',
  'add member to role in pim completed (permanent)': 'RoleAssigned',
  'add eligible member to role in pim completed (permanent)': 'RoleAssigned',
  'disable strong authentication': 'MfaDisabled',
  'set domain authentication': 'DomainChange',
  'set federation settings on domain': 'DomainChange',
  'add domain to company': 'DomainChange',
  'add verified domain': 'DomainChange',
  'add unverified domain': 'DomainChange',
  'verify domain': 'DomainChange',
  'update domain': 'DomainChange',
  'add conditional access policy': 'ConditionalAccessPolicyChange',
  'update conditional access policy': 'ConditionalAccessPolicyChange',
  'delete conditional access policy': 'ConditionalAccessPolicyChange',
  anonymouslinkcreated: 'SharingLinkCreated',
  anonymouslinkupdated: 'SharingLinkCreated',
  'new-compliancesearch': 'EDiscoverySearch',
  'start-compliancesearch': 'EDiscoverySearch',
  'new-compliancesearchaction': 'EDiscoverySearch',
  searchcreated: 'EDiscoverySearch',
  searchstarted: 'EDiscoverySearch',
  searchexported: 'EDiscoverySearch',
};

/**
 * The activity record in the language's shape.
 * @example activityEvent(record, { name: 'Contoso' }) // { eventType: 'LoginAttempt', operationResult: 'LockedOut', userName: 'megan@contoso.com', ... }
 */
export function activityEvent(record: DetectionRecord, tenant: { name: string | null }): ActivityEvent {
  const { eventType, operationResult, userName, clientApp } = vocabulary(record);
  const networkAddress = record.clientIp;
  return {
    tenantId: record.tenantId,
    tenantName: tenant.name,
    eventType,
    operationResult,
    userName,
    networkAddress,
    workload: record.workload,
    operation: record.operation,
    firstSeenAt: record.occurredAt,
    lastSeenAt: record.occurredAt,
    fields: { userSource: 'EntraID', userAgent: record.userAgent, clientApp, target: record.target },
    entities: {
      user: userName ? [{ key: userName, snapshot: { userPrincipalName: userName } }] : [],
      ip: networkAddress ? [{ key: networkAddress }] : [],
    },
  };
}

function vocabulary(record: DetectionRecord): { eventType: string | null; operationResult: string | null; userName: string | null; clientApp: string | null } {
  const signIn = signInOf(record);
  if (signIn) {
    // Entra's codes in the words of Tenantwatch's own sign-in triggers: Success, PasswordInvalid, OneTimePasswordInvalid, LockedOut, ...
    return {
      eventType: 'LoginAttempt',
      operationResult: signIn.errorCode === -1 ? 'Failure' : signInResult(signIn.errorCode),
      userName: signIn.user,
      clientApp: signIn.clientApp,
    };
  }
  const raw = rawOf(record);
  const outcome = succeeded(record) ? 'Success' : 'Failure';
  const actor = record.actorUpn;
  if (record.source === 'graph.riskDetections' || record.source === 'graph.riskyUsers') {
    const state = (asString(raw.riskState) ?? '').toLowerCase();
    return {
      eventType: 'RiskDetection',
      operationResult: state === 'confirmedcompromised' ? 'ConfirmedCompromised' : 'AtRisk',
      userName: actor,
      clientApp: null,
    };
  }
  if (record.source === 'graph.alerts_v2') return { eventType: 'SecurityAlert', operationResult: asString(raw.status), userName: actor, clientApp: null };

  const op = operationKey(record.operation);
  let eventType: string | null = EVENT_TYPES[op] ?? null;
  let userName = actor;
  if (op === 'new-inboxrule' || op === 'set-inboxrule' || op === 'updateinboxrules') {
    const change = inboxRuleChange(record);
    eventType = change
      ? change.operation === 'created'
        ? 'InboxRuleCreated'
        : 'InboxRuleModified'
      : op === 'new-inboxrule'
        ? 'InboxRuleCreated'
        : op === 'set-inboxrule'
          ? 'InboxRuleModified'
          : null;
  } else if (op === 'set-mailbox') {
    const forwarding = ['ForwardingSmtpAddress', 'ForwardingAddress'].some((name) => (param(record, name) ?? '').trim() !== '');
    eventType = forwarding ? 'MailboxForwardingSet' : null;
  } else if (DOWNLOAD_OPERATIONS.has(record.operation)) {
    eventType = 'FileDownload';
  } else if (DELETE_OPERATIONS.has(record.operation)) {
    eventType = 'FileDeletion';
  } else if (eventType === 'ChangePasswordAttempt') {
    // The account whose password changed, as PasswordChanged reports it.
    userName = directoryTarget(record).upn ?? actor;
  }
  return { eventType, operationResult: eventType === null ? null : outcome, userName, clientApp: null };
}

/** Fields a custom detection can read, in registry order. */
export const ACTIVITY_FIELDS: readonly FieldDefinition[] = FIELDS.filter((f) => f.overActivity === true);

/**
 * The conditions of a checked filter that read fields an activity does not have, as positioned
 * errors (code `unknown_field`), for the custom-detection editor.
 */
export function fieldsMissingOverActivity(filter: ParsedFilter): FilterUnknownFieldError[] {
  const errors: FilterUnknownFieldError[] = [];
  const visit = (node: FilterNode) => {
    if (node.kind === 'not') return visit(node.operand);
    if (node.kind !== 'condition') return node.items.forEach(visit);
    if (!node.field.overActivity) {
      const why = node.field.name.startsWith('Event.')
        ? 'it belongs to a raised event, not to one activity record'
        : 'enrichment records it only after an event is raised';
      errors.push(
        new FilterUnknownFieldError(
          `${node.field.name} is not available in a custom detection: ${why}`,
          filter.source,
          { offset: node.span.offset, length: node.field.name.length },
          {
            expected: ACTIVITY_FIELDS.map((f) => f.name),
          },
        ),
      );
    }
  };
  visit(filter.root);
  return errors;
}

/** A stored activity row as rules read it. */
export function detectionRecordOf(row: typeof activity.$inferSelect): DetectionRecord {
  return {
    activityId: row.id,
    tenantId: row.tenantId,
    source: row.source,
    recordId: row.recordId,
    occurredAt: row.occurredAt,
    workload: row.workload,
    operation: row.operation,
    recordType: row.recordType,
    actorId: row.actorId,
    actorUpn: row.actorUpn,
    clientIp: row.clientIp,
    userAgent: row.userAgent,
    result: row.result,
    target: row.target,
    raw: row.raw,
  };
}
