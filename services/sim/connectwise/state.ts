/**
 * The ConnectWise Manage simulator's data: one Manage site with its login company, API members
 * (public/private key pairs, each with the permission areas its security role grants), client
 * ids, companies, service boards with their statuses and teams, priorities, tickets, notes and
 * documents. Ids are counters, so a test knows what it will get.
 */
import type { PsaFault, PsaRequestLog } from '../psa-common/faults.ts';

export const CW_PERMISSION_AREAS = ['companies', 'service', 'documents', 'system'] as const;
export type CwPermissionArea = (typeof CW_PERMISSION_AREAS)[number];

export interface CwMember {
  publicKey: string;
  privateKey: string;
  identifier: string;
  /** Areas the member's security role may use. Default: all. */
  permissions?: CwPermissionArea[];
}

export interface CwCompany {
  id: number;
  identifier: string;
  name: string;
  website?: string;
  status?: { id: number; name: string };
  deletedFlag?: boolean;
}

export interface CwBoardStatus {
  id: number;
  name: string;
  closedStatus: boolean;
  defaultFlag: boolean;
  inactive: boolean;
  sortOrder: number;
}

export interface CwBoard {
  id: number;
  name: string;
  inactiveFlag: boolean;
  statuses: CwBoardStatus[];
  teams: { id: number; name: string }[];
}

export interface CwPriority {
  id: number;
  name: string;
  sortOrder: number;
  defaultFlag: boolean;
}

export interface CwTicket {
  id: number;
  summary: string;
  recordType: string;
  boardId: number;
  statusId: number;
  companyId: number;
  priorityId: number;
  teamId?: number;
  severity: 'Low' | 'Medium' | 'High';
  impact: 'Low' | 'Medium' | 'High';
  externalXRef?: string;
  initialDescription?: string;
  closedFlag: boolean;
  closedDate?: string;
  closedBy?: string;
  dateEntered: string;
  enteredBy: string;
  lastUpdated: string;
  updatedBy: string;
}

export interface CwNote {
  id: number;
  ticketId: number;
  text: string;
  detailDescriptionFlag: boolean;
  internalAnalysisFlag: boolean;
  resolutionFlag: boolean;
  dateCreated: string;
  createdBy: string;
}

export interface CwDocument {
  id: number;
  recordType: string;
  recordId: number;
  title: string;
  fileName: string;
  contentType: string;
  content: Buffer;
  privateFlag: boolean;
  dateCreated: string;
  createdBy: string;
}

export interface CwSimState {
  /** The company id members sign in with (the MSP's own Manage company). */
  companyId: string;
  companyName: string;
  codebase: string;
  /** Accepted clientId values; empty accepts any non-empty value. */
  clientIds: string[];
  members: CwMember[];
  companies: CwCompany[];
  boards: CwBoard[];
  priorities: CwPriority[];
  tickets: CwTicket[];
  notes: CwNote[];
  documents: CwDocument[];
  nextId: { ticket: number; note: number; document: number; company: number };
  faults: PsaFault[];
  latencyMs: number;
  requests: PsaRequestLog[];
}

/** A Manage site as a new MSP's sandbox looks: one board with the usual statuses, the stock priorities. */
export function defaultCwState(over: Partial<Pick<CwSimState, 'companyId' | 'companyName' | 'clientIds' | 'members' | 'companies'>> = {}): CwSimState {
  const companies = over.companies ?? [
    { id: 250, identifier: 'Contoso', name: 'Contoso Ltd', website: 'www.contoso.com' },
    { id: 251, identifier: 'Fabrikam', name: 'Fabrikam, Inc.', website: 'fabrikam.com' },
    { id: 252, identifier: 'Northwind', name: 'Northwind Traders', website: 'northwindtraders.com' },
  ];
  return {
    companyId: over.companyId ?? 'tenantwatch_demo',
    companyName: over.companyName ?? 'Tenantwatch Demo MSP',
    codebase: 'v4_6_release',
    clientIds: over.clientIds ?? [],
    members: over.members ?? [{ publicKey: 'demoPublicKey', privateKey: 'demoPrivateKey', identifier: 'tenantwatch-api' }],
    companies,
    boards: [
      {
        id: 1,
        name: 'Service Desk',
        inactiveFlag: false,
        statuses: [
          { id: 1, name: 'New', closedStatus: false, defaultFlag: true, inactive: false, sortOrder: 0 },
          { id: 2, name: 'In Progress', closedStatus: false, defaultFlag: false, inactive: false, sortOrder: 1 },
          { id: 3, name: 'Waiting Customer', closedStatus: false, defaultFlag: false, inactive: false, sortOrder: 2 },
          { id: 4, name: 'Re-Opened', closedStatus: false, defaultFlag: false, inactive: false, sortOrder: 3 },
          { id: 5, name: 'Resolved', closedStatus: true, defaultFlag: false, inactive: false, sortOrder: 4 },
          { id: 6, name: 'Closed', closedStatus: true, defaultFlag: false, inactive: false, sortOrder: 5 },
          { id: 7, name: 'Cancelled', closedStatus: true, defaultFlag: false, inactive: false, sortOrder: 6 },
        ],
        teams: [
          { id: 25, name: 'Security' },
          { id: 26, name: 'Tier 1' },
        ],
      },
      {
        id: 2,
        name: 'Security Operations',
        inactiveFlag: false,
        statuses: [
          { id: 11, name: 'New (Security)', closedStatus: false, defaultFlag: true, inactive: false, sortOrder: 0 },
          { id: 12, name: 'Investigating', closedStatus: false, defaultFlag: false, inactive: false, sortOrder: 1 },
          { id: 13, name: 'Closed', closedStatus: true, defaultFlag: false, inactive: false, sortOrder: 2 },
        ],
        teams: [{ id: 30, name: 'SOC' }],
      },
    ],
    priorities: [
      { id: 1, name: 'Priority 1 - Emergency Response', sortOrder: 1, defaultFlag: false },
      { id: 2, name: 'Priority 2 - Quick Response', sortOrder: 2, defaultFlag: false },
      { id: 3, name: 'Priority 3 - Normal Response', sortOrder: 3, defaultFlag: true },
      { id: 4, name: 'Priority 4 - Schedule Maintenance', sortOrder: 4, defaultFlag: false },
    ],
    tickets: [],
    notes: [],
    documents: [],
    nextId: { ticket: 1001, note: 1, document: 1, company: 300 },
    faults: [],
    latencyMs: 0,
    requests: [],
  };
}
