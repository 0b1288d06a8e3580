/**
 * ConnectWise Manage client: `https://{site}/{codebase}/apis/3.0` with Basic
 * `companyId+publicKey:privateKey` and the `clientId` header. Test connection walks from the
 * outside in (site reachable → company known on it → keys accepted → permissions) so its
 * answer names the one thing to fix.
 */
import { z } from 'zod';
import { errorText, parseJson, psaFetch, type PsaRequest, type PsaResponse } from '../http.ts';
import {
  cutToLimit,
  PsaError,
  type ClientOptions,
  type PsaAttachment,
  type PsaClient,
  type PsaOption,
  type PsaProvider,
  type PsaTicketRef,
  type PsaTicketState,
  type TicketInput,
} from '../types.ts';

export const connectWiseSettingsSchema = z.object({
  /** Host of the Manage site (`api-na.myconnectwise.net`, `cw.example.com`) or a full base URL. */
  site: z.string().trim().min(1, 'Enter the site, e.g. api-na.myconnectwise.net'),
  companyId: z.string().trim().min(1, 'Enter the company id you sign in to Manage with'),
  publicKey: z.string().trim().min(1, 'Enter the API member public key'),
  clientId: z.string().trim().min(1, 'Enter the clientId from developer.connectwise.com'),
  /** The codebase in the API path. */
  apiVersion: z
    .string()
    .trim()
    .regex(/^v[0-9A-Za-z_]+$/, 'The API version looks like v4_6_release')
    .default('v4_6_release'),
});
export type ConnectWiseSettings = z.infer<typeof connectWiseSettingsSchema>;

export const connectWiseCredentialsSchema = z.object({ privateKey: z.string().min(1, 'Enter the API member private key') });
export type ConnectWiseCredentials = z.infer<typeof connectWiseCredentialsSchema>;

export const CW_SUMMARY_LIMIT = 100;
const LEVELS = ['Low', 'Medium', 'High'] as const;

type CwRef = { id: number; name?: string; identifier?: string };
type CwTicket = { id: number; summary: string; status: CwRef; closedFlag?: boolean; board: CwRef };

export function siteOrigin(site: string): string {
  const withScheme = /^https?:\/\//i.test(site) ? site : `https://${site}`;
  try {
    return new URL(withScheme).origin;
  } catch {
    throw new PsaError('unknown-site', `"${site}" is not a site address; enter a host such as api-na.myconnectwise.net.`);
  }
}

function parseCompanyInfo(text: string): unknown {
  try {
    return JSON.parse(text || 'null') as unknown;
  } catch {
    return undefined;
  }
}

const conditionString = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export function connectConnectWise(settings: ConnectWiseSettings, credentials: ConnectWiseCredentials, options: ClientOptions = {}): PsaClient {
  const origin = siteOrigin(settings.site);
  const base = `${origin}/${settings.apiVersion}/apis/3.0`;
  const headers = {
    Authorization: `Basic ${Buffer.from(`${settings.companyId}+${settings.publicKey}:${credentials.privateKey}`).toString('base64')}`,
    clientId: settings.clientId,
    Accept: 'application/vnd.connectwise.com+json; version=2021.1, application/json',
  };

  async function call(method: PsaRequest['method'], path: string, action: string, body?: unknown): Promise<PsaResponse> {
    const isForm = body instanceof FormData;
    const res = await psaFetch(
      {
        method,
        url: `${base}${path}`,
        headers: isForm || body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
        body: isForm ? body : body === undefined ? undefined : JSON.stringify(body),
        action,
      },
      options,
    );
    if (res.status >= 200 && res.status < 300) return res;
    const detail = errorText(res.text);
    if (res.status === 401) {
      if (/clientid/i.test(detail)) throw new PsaError('wrong-keys', `ConnectWise refused the clientId: ${detail}`, 401);
      throw new PsaError(
        'wrong-keys',
        `ConnectWise refused the API keys for company "${settings.companyId}": check the public and private key of the API member.`,
        401,
      );
    }
    if (res.status === 403)
      throw new PsaError('no-permission', `The API member may not ${action}: ${detail || 'give its security role access to this area'}.`, 403);
    if (res.status === 404) throw new PsaError('not-found', `ConnectWise has no such record (${action}).`, 404);
    throw new PsaError('invalid', `ConnectWise rejected the request to ${action}: ${detail || res.status}.`, res.status);
  }

  async function listAll<T>(path: string, action: string): Promise<T[]> {
    const out: T[] = [];
    const sep = path.includes('?') ? '&' : '?';
    for (let page = 1; ; page++) {
      const res = await call('GET', `${path}${sep}page=${page}&pageSize=1000`, action);
      const items = parseJson<T[]>(res, action);
      out.push(...items);
      if (!/rel="next"/.test(res.headers.get('link') ?? '') || items.length === 0) return out;
    }
  }

  const ticketUrl = (id: number | string) =>
    `${origin}/${settings.apiVersion}/services/system_io/Service/fv_sr100_request.rails?service_recid=${encodeURIComponent(String(id))}&companyName=${encodeURIComponent(settings.companyId)}`;
  const ref = (id: number): PsaTicketRef => ({ id: String(id), number: String(id), url: ticketUrl(id) });
  const state = (t: CwTicket): PsaTicketState => ({
    ...ref(t.id),
    status: t.status.name ?? String(t.status.id),
    statusId: String(t.status.id),
    closed: !!t.closedFlag,
  });
  const boardsFor = async (parent?: string) =>
    parent ? [{ id: Number(parent), name: '' }] : await listAll<CwRef>('/service/boards?conditions=inactiveFlag=false', 'list service boards');

  return {
    kind: 'connectwise',

    async testConnection() {
      try {
        const info = await psaFetch(
          { method: 'GET', url: `${origin}/login/companyinfo/${encodeURIComponent(settings.companyId)}`, headers: {}, action: 'look up the company' },
          { ...options, retries: 0 },
        );
        // Something other than Manage on that address answers anything; only Manage's JSON counts.
        const company = info.status === 200 ? (parseCompanyInfo(info.text) as { CompanyName?: string; VersionCode?: string } | null) : null;
        if (info.status === 200 && company === undefined)
          return {
            ok: false,
            reason: 'unknown-site',
            message: `${new URL(origin).host} does not answer as a ConnectWise Manage site: check the site address.`,
          };
        if (info.status === 404 || (info.status === 200 && !company)) {
          return {
            ok: false,
            reason: 'wrong-company',
            message: `The company id "${settings.companyId}" is not known on ${new URL(origin).host}: use the company id you type when you sign in to Manage.`,
          };
        }
        await call('GET', '/system/info', 'read the system information');
        await call('GET', '/service/boards?pageSize=1', 'read service boards');
        await call('GET', '/company/companies?pageSize=1', 'read companies');
        const who = company?.CompanyName ? `${company.CompanyName} (${company.VersionCode ?? 'ConnectWise Manage'})` : settings.companyId;
        return { ok: true, message: `Connected to ${who} at ${new URL(origin).host}: companies and service boards are readable.` };
      } catch (e) {
        if (e instanceof PsaError) return { ok: false, reason: e.reason, message: e.message };
        throw e;
      }
    },

    async list(list, opts = {}): Promise<PsaOption[]> {
      switch (list) {
        case 'companies': {
          const rows = await listAll<{ id: number; identifier: string; name: string; website?: string }>(
            '/company/companies?conditions=deletedFlag=false&orderBy=name asc',
            'list companies',
          );
          return rows.map((c) => ({ id: String(c.id), name: c.name, detail: [c.identifier, c.website].filter(Boolean).join(' · ') }));
        }
        case 'boards':
          return (await boardsFor()).map((b) => ({ id: String(b.id), name: b.name ?? String(b.id) }));
        case 'teams':
        case 'statuses': {
          const out: PsaOption[] = [];
          for (const board of await boardsFor(opts.parent)) {
            if (list === 'teams') {
              for (const t of await listAll<CwRef>(`/service/boards/${board.id}/teams`, 'list board teams'))
                out.push({ id: String(t.id), name: t.name ?? '', parent: String(board.id) });
            } else {
              const rows = await listAll<{ id: number; name: string; closedStatus: boolean; defaultFlag: boolean; inactive: boolean }>(
                `/service/boards/${board.id}/statuses?conditions=inactive=false`,
                'list board statuses',
              );
              for (const s of rows)
                out.push({
                  id: String(s.id),
                  name: s.name,
                  parent: String(board.id),
                  closed: s.closedStatus,
                  isDefault: s.defaultFlag,
                  ...(s.closedStatus ? { detail: 'closes the ticket' } : {}),
                });
            }
          }
          return out;
        }
        case 'priorities':
          return (await listAll<{ id: number; name: string; defaultFlag?: boolean }>('/service/priorities?orderBy=sortOrder asc', 'list priorities')).map(
            (p) => ({ id: String(p.id), name: p.name, isDefault: !!p.defaultFlag }),
          );
        case 'severity':
        case 'impact':
          return LEVELS.map((l) => ({ id: l, name: l, isDefault: l === 'Medium' }));
        default:
          throw new PsaError('invalid', `ConnectWise has no list named "${list}".`);
      }
    },

    async createTicket(input: TicketInput) {
      const r = input.routing;
      const body: Record<string, unknown> = {
        summary: cutToLimit(input.summary, CW_SUMMARY_LIMIT),
        recordType: 'ServiceTicket',
        company: { id: Number(input.companyId) },
        initialDescription: input.description,
        ...(r.boards ? { board: { id: Number(r.boards) } } : {}),
        ...(r.statuses ? { status: { id: Number(r.statuses) } } : {}),
        ...(r.priorities ? { priority: { id: Number(r.priorities) } } : {}),
        ...(r.teams ? { team: { id: Number(r.teams) } } : {}),
        severity: r.severity ?? 'Medium',
        impact: r.impact ?? 'Medium',
        ...(input.externalRef ? { externalXRef: input.externalRef.slice(0, 100) } : {}),
      };
      const res = await call('POST', '/service/tickets', 'create a ticket', body);
      return ref(parseJson<CwTicket>(res, 'create a ticket').id);
    },

    async findTicketByExternalRef(externalRef) {
      const res = await call(
        'GET',
        `/service/tickets?conditions=${encodeURIComponent(`externalXRef=${conditionString(externalRef.slice(0, 100))}`)}&orderBy=id asc&pageSize=1`,
        'look up a ticket',
      );
      const found = parseJson<CwTicket[]>(res, 'look up a ticket')[0];
      return found ? ref(found.id) : undefined;
    },

    async addNote(ticketId, text) {
      await call('POST', `/service/tickets/${encodeURIComponent(ticketId)}/notes`, 'add a note to the ticket', {
        text,
        detailDescriptionFlag: true,
        internalAnalysisFlag: false,
        resolutionFlag: false,
      });
    },

    async attachFile(ticketId, file: PsaAttachment) {
      const form = new FormData();
      form.set('file', new Blob([new Uint8Array(file.content)], { type: file.contentType }), file.fileName);
      form.set('recordType', 'Ticket');
      form.set('recordId', ticketId);
      form.set('title', file.fileName);
      form.set('privateFlag', 'true');
      await call('POST', '/system/documents', 'attach a file to the ticket', form);
    },

    async getTicket(ticketId) {
      return state(parseJson<CwTicket>(await call('GET', `/service/tickets/${encodeURIComponent(ticketId)}`, 'read the ticket'), 'read the ticket'));
    },

    async setStatus(ticketId, statusId) {
      const res = await call('PATCH', `/service/tickets/${encodeURIComponent(ticketId)}`, 'change the ticket status', [
        { op: 'replace', path: 'status', value: { id: Number(statusId) } },
      ]);
      return state(parseJson<CwTicket>(res, 'change the ticket status'));
    },
  };
}

export const connectWiseProvider: PsaProvider<ConnectWiseSettings, ConnectWiseCredentials> = {
  kind: 'connectwise',
  label: 'ConnectWise Manage',
  settingsSchema: connectWiseSettingsSchema as z.ZodType<ConnectWiseSettings>,
  credentialsSchema: connectWiseCredentialsSchema,
  routingLists: [
    { list: 'boards', label: 'Service board', required: true },
    { list: 'teams', label: 'Service team', required: false, parentList: 'boards' },
    { list: 'statuses', label: 'Status', required: false, parentList: 'boards' },
    { list: 'priorities', label: 'Priority', required: false },
    { list: 'severity', label: 'Severity', required: false },
    { list: 'impact', label: 'Impact', required: false },
  ],
  summaryLimit: CW_SUMMARY_LIMIT,
  connect: connectConnectWise,
};
