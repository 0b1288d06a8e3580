/**
 * The PSA contract: ConnectWise Manage and Autotask behind one interface, so ticketing,
 * the API and the jobs never branch on the vendor. `PSA_PROVIDERS` (services/psa/providers.ts)
 * is a `Record<PsaKind, PsaProvider>`: a new kind fails compilation until it is wired.
 */
import type { z } from 'zod';
import type { PsaKind } from '../../db/schema/enums.ts';

export type { PsaKind };

/** One choice from a PSA list (board, queue, priority, status…), as the PSA names it. */
export interface PsaOption {
  id: string;
  name: string;
  /** Extra words to help a person choose (a company's website, a status that closes the ticket). */
  detail?: string;
  /** For dependent lists: the board a status belongs to, the issue type of a sub-issue type. */
  parent?: string;
  /** A status that means the ticket is finished (closed, resolved, cancelled, complete). */
  closed?: boolean;
  isDefault?: boolean;
}

/** Routing of one Microsoft 365 tenant's tickets: list name → chosen option id. */
export type PsaRouting = Record<string, string | undefined>;

export interface TicketInput {
  /** PSA company id the ticket belongs to. */
  companyId: string;
  summary: string;
  description: string;
  routing: PsaRouting;
  /** Our idempotency key (ConnectWise externalXRef, Autotask externalID): find before create. */
  externalRef?: string;
}

export interface PsaTicketRef {
  /** The PSA's ticket id. */
  id: string;
  /** What people call it: ConnectWise's id, Autotask's ticket number `T20240101.0001`. */
  number: string;
  /** Link to open the ticket in the PSA's own UI. */
  url: string;
}

export interface PsaTicketState extends PsaTicketRef {
  status: string;
  statusId: string;
  closed: boolean;
}

export interface PsaAttachment {
  fileName: string;
  contentType: string;
  content: Buffer;
}

export type TestConnectionResult = { ok: true; message: string } | { ok: false; reason: PsaErrorReason; message: string };

export interface PsaClient {
  readonly kind: PsaKind;
  testConnection(): Promise<TestConnectionResult>;
  list(list: string, options?: { parent?: string }): Promise<PsaOption[]>;
  createTicket(input: TicketInput): Promise<PsaTicketRef>;
  /** The ticket created earlier with this idempotency key, if any. */
  findTicketByExternalRef(externalRef: string): Promise<PsaTicketRef | undefined>;
  addNote(ticketId: string, text: string): Promise<void>;
  attachFile(ticketId: string, file: PsaAttachment): Promise<void>;
  getTicket(ticketId: string): Promise<PsaTicketState>;
  /** Sets the ticket's status by option id (e.g. reopens it). */
  setStatus(ticketId: string, statusId: string): Promise<PsaTicketState>;
}

export interface ClientOptions {
  /** Retries of a throttled (429) or failed (5xx) call before giving up; default 2. */
  retries?: number;
  /** Longest wait honoured from Retry-After, in ms; default 10 s. */
  maxRetryWaitMs?: number;
  /** Per-request timeout in ms; default 30 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface PsaProvider<Settings = unknown, Credentials = unknown> {
  kind: PsaKind;
  label: string;
  /** Non-secret connection settings (site, company id, API user, version…). */
  settingsSchema: z.ZodType<Settings>;
  /** Secret parts, stored encrypted. */
  credentialsSchema: z.ZodType<Credentials>;
  /** Lists the routing of a tenant picks from, in the order a person fills them in. */
  routingLists: readonly { list: string; label: string; required: boolean; parentList?: string }[];
  /** Longest summary (title) the PSA takes. */
  summaryLimit: number;
  connect(settings: Settings, credentials: Credentials, options?: ClientOptions): PsaClient;
}

export const PSA_ERROR_REASONS = [
  'wrong-keys',
  'wrong-company',
  'unknown-site',
  'no-permission',
  'zone-not-found',
  'not-found',
  'invalid',
  'throttled',
  'unavailable',
] as const;
export type PsaErrorReason = (typeof PSA_ERROR_REASONS)[number];

/** A PSA call that failed, in words an MSP admin acts on; `retryable` tells the outbox to try again later. */
export class PsaError extends Error {
  constructor(
    readonly reason: PsaErrorReason,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PsaError';
  }
  get retryable(): boolean {
    return this.reason === 'throttled' || this.reason === 'unavailable';
  }
}

/** Cuts text to a PSA field limit, marking the cut with an ellipsis. */
export function cutToLimit(text: string, limit: number): string {
  const flat = text.replace(/[\r\n]+/g, ' ').trim();
  if (flat.length <= limit) return flat;
  return `${flat.slice(0, limit - 1).trimEnd()}…`;
}
