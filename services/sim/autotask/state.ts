/**
 * The Autotask simulator's data: API users (user name, secret, integration code, the zone their
 * database lives in, and what their security level allows), companies, the ticket picklists
 * (status, priority, queue, issue and sub-issue type, source, ticket type), note picklists,
 * tickets, notes and attachments.
 */
import type { PsaFault, PsaRequestLog } from '../psa-common/faults.ts';

export const AT_PERMISSION_AREAS = ['companies', 'tickets', 'attachments'] as const;
export type AtPermissionArea = (typeof AT_PERMISSION_AREAS)[number];

export interface AtUser {
  userName: string;
  secret: string;
  integrationCode: string;
  /** The zone's host label, e.g. `webservices15`. */
  zone: string;
  permissions?: AtPermissionArea[];
}

export interface AtPicklistValue {
  value: string;
  label: string;
  isDefaultValue: boolean;
  sortOrder: number;
  parentValue: string;
  isActive: boolean;
  isSystem: boolean;
}

export type AtRecord = Record<string, unknown> & { id: number };

export interface AtSimState {
  users: AtUser[];
  zones: { name: string; label: string; ci: number }[];
  picklists: Record<string, AtPicklistValue[]>;
  notePicklists: Record<string, AtPicklistValue[]>;
  entities: { Companies: AtRecord[]; Tickets: AtRecord[]; TicketNotes: AtRecord[]; TicketAttachments: AtRecord[] };
  nextId: number;
  ticketSeq: number;
  faults: PsaFault[];
  latencyMs: number;
  requests: PsaRequestLog[];
}

const pl = (entries: [string, string, boolean?, string?][]): AtPicklistValue[] =>
  entries.map(([value, label, isDefault, parent], i) => ({
    value,
    label,
    isDefaultValue: !!isDefault,
    sortOrder: i,
    parentValue: parent ?? '',
    isActive: true,
    isSystem: value === '1' || value === '5',
  }));

export function defaultAtState(over: Partial<Pick<AtSimState, 'users'>> & { companies?: AtRecord[] } = {}): AtSimState {
  return {
    users: over.users ?? [{ userName: 'tenantwatch-api@demomsp.example', secret: 'demoSecret', integrationCode: 'DEMOINTEGRATIONCODE', zone: 'webservices15' }],
    zones: [
      { name: 'webservices15', label: 'America West 2', ci: 15 },
      { name: 'webservices6', label: 'UK', ci: 6 },
    ],
    picklists: {
      status: pl([
        ['1', 'New', true],
        ['8', 'In Progress'],
        ['7', 'Waiting Customer'],
        ['13', 'Re-Opened'],
        ['5', 'Complete'],
      ]),
      priority: pl([
        ['4', 'Critical'],
        ['1', 'High'],
        ['2', 'Medium', true],
        ['3', 'Low'],
      ]),
      queueID: pl([
        ['29682833', 'Client Portal'],
        ['29683354', 'Monitoring Alert', true],
        ['29683355', 'Security'],
      ]),
      issueType: pl([
        ['10', 'Security'],
        ['11', 'Email'],
      ]),
      subIssueType: pl([
        ['101', 'Account compromise', false, '10'],
        ['102', 'Suspicious sign-in', false, '10'],
        ['111', 'Mail flow', false, '11'],
      ]),
      source: pl([
        ['2', 'Email'],
        ['4', 'Phone'],
        ['8', 'Monitoring Alert', true],
      ]),
      ticketType: pl([
        ['1', 'Service Request', true],
        ['2', 'Incident'],
        ['5', 'Alert'],
      ]),
    },
    notePicklists: {
      noteType: pl([
        ['1', 'Task Detail', true],
        ['2', 'Task Notes'],
        ['3', 'Task Summary'],
      ]),
      publish: pl([
        ['1', 'All Autotask Users', true],
        ['2', 'Internal Only'],
      ]),
    },
    entities: {
      Companies: over.companies ?? [
        { id: 0, companyName: 'Demo MSP (own company)', companyType: 5, isActive: true, webAddress: 'demomsp.example' },
        { id: 174, companyName: 'Contoso Ltd', companyType: 1, isActive: true, webAddress: 'https://www.contoso.com' },
        { id: 175, companyName: 'Fabrikam, Inc.', companyType: 1, isActive: true, webAddress: 'fabrikam.com' },
        { id: 176, companyName: 'Northwind Traders', companyType: 1, isActive: false, webAddress: 'northwindtraders.com' },
      ],
      Tickets: [],
      TicketNotes: [],
      TicketAttachments: [],
    },
    nextId: 5000,
    ticketSeq: 1,
    faults: [],
    latencyMs: 0,
    requests: [],
  };
}
