/**
 * Autotask PSA client (REST v1.0): finds the API user's zone first
 * (`/ATServicesRest/V1.0/zoneInformation?user=`), then calls `{zone url}V1.0/{Entity}` with
 * the `ApiIntegrationCode`, `UserName` and `Secret` headers. Picklists (status, priority, queue,
 * issue and sub-issue type, source) come from `Tickets/entityInformation/fields`, read once per
 * client.
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

export const AUTOTASK_DISCOVERY_URL = 'https://webservices.autotask.net';

export const autotaskSettingsSchema = z.object({
  /** The API user's user name (an email address). */
  userName: z.string().trim().min(1, "Enter the API user's user name"),
  /** Where zone discovery is asked; only changed for a sandbox or a simulator. */
  discoveryUrl: z.string().trim().url().default(AUTOTASK_DISCOVERY_URL),
});
export type AutotaskSettings = z.infer<typeof autotaskSettingsSchema>;

export const autotaskCredentialsSchema = z.object({
  secret: z.string().min(1, "Enter the API user's secret"),
  integrationCode: z.string().min(1, 'Enter the API tracking identifier (integration code)'),
});
export type AutotaskCredentials = z.infer<typeof autotaskCredentialsSchema>;

export const AT_TITLE_LIMIT = 255;
const AT_DESCRIPTION_LIMIT = 8000;
const AT_NOTE_LIMIT = 32000;
/** Autotask's system status value for Complete. */
export const AT_STATUS_COMPLETE = '5';

type Picklist = { value: string; label: string; isDefaultValue: boolean; parentValue: string; isActive: boolean }[];
type FieldInfo = { name: string; picklistValues: Picklist | null };
type Zone = { url: string; webUrl: string; zoneName: string };

const LIST_FIELDS: Record<string, string> = {
  queues: 'queueID',
  priorities: 'priority',
  statuses: 'status',
  issueTypes: 'issueType',
  subIssueTypes: 'subIssueType',
  sources: 'source',
};

export function connectAutotask(settings: AutotaskSettings, credentials: AutotaskCredentials, options: ClientOptions = {}): PsaClient {
  const discovery = settings.discoveryUrl.replace(/\/+$/, '');
  const headers = { ApiIntegrationCode: credentials.integrationCode, UserName: settings.userName, Secret: credentials.secret };
  let zone: Promise<Zone> | undefined;
  const fields = new Map<string, Promise<FieldInfo[]>>();

  function findZone(): Promise<Zone> {
    zone ??= (async () => {
      const res = await psaFetch(
        {
          method: 'GET',
          url: `${discovery}/ATServicesRest/V1.0/zoneInformation?user=${encodeURIComponent(settings.userName)}`,
          headers: {},
          action: 'find the Autotask zone',
        },
        options,
      ).catch((e: unknown) => {
        if (e instanceof PsaError && e.reason === 'unavailable' && e.status === 500)
          throw new PsaError(
            'zone-not-found',
            `No Autotask zone knows the API user "${settings.userName}": check the user name (the API user's email address).`,
            500,
          );
        throw e;
      });
      const body = res.status === 200 ? (JSON.parse(res.text || 'null') as Partial<Zone> | null) : null;
      if (!body?.url)
        throw new PsaError(
          'zone-not-found',
          `No Autotask zone knows the API user "${settings.userName}": check the user name (the API user's email address).`,
          res.status,
        );
      return { url: body.url.endsWith('/') ? body.url : `${body.url}/`, webUrl: body.webUrl ?? '', zoneName: body.zoneName ?? '' };
    })();
    zone.catch(() => (zone = undefined));
    return zone;
  }

  async function call(method: PsaRequest['method'], path: string, action: string, body?: unknown): Promise<PsaResponse> {
    const z0 = await findZone();
    const res = await psaFetch(
      {
        method,
        url: `${z0.url}V1.0/${path}`,
        headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        action,
      },
      options,
    );
    if (res.status >= 200 && res.status < 300) return res;
    const detail = errorText(res.text);
    if (res.status === 401)
      throw new PsaError(
        'wrong-keys',
        `Autotask refused the API user "${settings.userName}": check the secret and the integration code (API tracking identifier).`,
        401,
      );
    if (res.status === 403) throw new PsaError('no-permission', `The API user may not ${action}: ${detail || "check the API user's security level"}.`, 403);
    if (res.status === 404) throw new PsaError('not-found', `Autotask has no such record (${action}).`, 404);
    throw new PsaError('invalid', `Autotask rejected the request to ${action}: ${detail || res.status}.`, res.status);
  }

  async function query<T>(entity: string, filter: unknown[], action: string): Promise<T[]> {
    const out: T[] = [];
    let res = await call('POST', `${entity}/query`, action, { MaxRecords: 500, Filter: filter });
    for (;;) {
      const page = parseJson<{ items: T[]; pageDetails?: { nextPageUrl?: string | null } }>(res, action);
      out.push(...page.items);
      const next = page.pageDetails?.nextPageUrl;
      if (!next) return out;
      const z0 = await findZone();
      // Follow the link with the same method the query used; only within the zone's API.
      if (!next.startsWith(z0.url)) throw new PsaError('invalid', 'Autotask sent a next-page link outside its zone.');
      res = await call('POST', next.slice(`${z0.url}V1.0/`.length), action, { MaxRecords: 500, Filter: filter });
    }
  }

  function fieldInfo(entity: string): Promise<FieldInfo[]> {
    let p = fields.get(entity);
    if (!p) {
      p = call('GET', `${entity}/entityInformation/fields`, `read the ${entity} fields`).then(
        (res) => parseJson<{ fields: FieldInfo[] }>(res, 'read the fields').fields,
      );
      p.catch(() => fields.delete(entity));
      fields.set(entity, p);
    }
    return p;
  }
  async function picklist(entity: string, field: string): Promise<Picklist> {
    return (await fieldInfo(entity)).find((f) => f.name.toLowerCase() === field.toLowerCase())?.picklistValues ?? [];
  }
  const defaultOf = async (entity: string, field: string) => (await picklist(entity, field)).find((v) => v.isDefaultValue)?.value;

  const ticketUrl = async (id: number | string) => {
    const z0 = await findZone();
    return `${z0.webUrl.replace(/\/?$/, '/')}Mvc/ServiceDesk/TicketDetail.mvc?workspace=False&mode=0&TicketID=${encodeURIComponent(String(id))}`;
  };
  type AtTicket = { id: number; ticketNumber: string; status: number };
  const readTicket = async (id: string): Promise<AtTicket> => {
    const item = parseJson<{ item: AtTicket | null }>(await call('GET', `Tickets/${encodeURIComponent(id)}`, 'read the ticket'), 'read the ticket').item;
    if (!item) throw new PsaError('not-found', `Autotask has no ticket ${id}.`, 404);
    return item;
  };
  const toState = async (t: AtTicket): Promise<PsaTicketState> => {
    const statuses = await picklist('Tickets', 'status');
    return {
      id: String(t.id),
      number: t.ticketNumber,
      url: await ticketUrl(t.id),
      status: statuses.find((s) => s.value === String(t.status))?.label ?? String(t.status),
      statusId: String(t.status),
      closed: String(t.status) === AT_STATUS_COMPLETE,
    };
  };

  return {
    kind: 'autotask',

    async testConnection() {
      try {
        const z0 = await findZone();
        await call('POST', 'Companies/query', 'read companies', { MaxRecords: 1, Filter: [{ op: 'gte', field: 'id', value: 0 }] });
        await fieldInfo('Tickets');
        return {
          ok: true,
          message: `Connected to Autotask zone ${z0.zoneName || new URL(z0.url).host} as ${settings.userName}: companies and ticket fields are readable.`,
        };
      } catch (e) {
        if (e instanceof PsaError) return { ok: false, reason: e.reason, message: e.message };
        throw e;
      }
    },

    async list(list, opts = {}): Promise<PsaOption[]> {
      if (list === 'companies') {
        const rows = await query<{ id: number; companyName: string; webAddress?: string }>(
          'Companies',
          [{ op: 'eq', field: 'isActive', value: true }],
          'list companies',
        );
        return rows
          .sort((a, b) => a.companyName.localeCompare(b.companyName))
          .map((c) => ({ id: String(c.id), name: c.companyName, ...(c.webAddress ? { detail: c.webAddress } : {}) }));
      }
      const field = LIST_FIELDS[list];
      if (!field) throw new PsaError('invalid', `Autotask has no list named "${list}".`);
      return (await picklist('Tickets', field))
        .filter((v) => v.isActive && (!opts.parent || v.parentValue === opts.parent))
        .map((v) => ({
          id: v.value,
          name: v.label,
          isDefault: v.isDefaultValue,
          ...(v.parentValue ? { parent: v.parentValue } : {}),
          ...(field === 'status' && v.value === AT_STATUS_COMPLETE ? { closed: true, detail: 'completes the ticket' } : {}),
        }));
    },

    async createTicket(input: TicketInput) {
      const r = input.routing;
      const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
      const body = {
        companyID: Number(input.companyId),
        title: cutToLimit(input.summary, AT_TITLE_LIMIT),
        description: input.description.length > AT_DESCRIPTION_LIMIT ? `${input.description.slice(0, AT_DESCRIPTION_LIMIT - 1)}…` : input.description,
        status: num(r.statuses) ?? num(await defaultOf('Tickets', 'status')) ?? 1,
        priority: num(r.priorities) ?? num(await defaultOf('Tickets', 'priority')),
        queueID: num(r.queues) ?? num(await defaultOf('Tickets', 'queueID')),
        issueType: num(r.issueTypes),
        subIssueType: num(r.subIssueTypes),
        source: num(r.sources),
        ...(input.externalRef ? { externalID: input.externalRef.slice(0, 50) } : {}),
      };
      const res = await call('POST', 'Tickets', 'create a ticket', body);
      const id = String(parseJson<{ itemId: number }>(res, 'create a ticket').itemId);
      const t = await readTicket(id);
      return { id, number: t.ticketNumber, url: await ticketUrl(id) };
    },

    async findTicketByExternalRef(externalRef) {
      const rows = await query<AtTicket>('Tickets', [{ op: 'eq', field: 'externalID', value: externalRef.slice(0, 50) }], 'look up a ticket');
      const t = rows.sort((a, b) => a.id - b.id)[0];
      return t ? ({ id: String(t.id), number: t.ticketNumber, url: await ticketUrl(t.id) } satisfies PsaTicketRef) : undefined;
    },

    async addNote(ticketId, text) {
      const description = text.length > AT_NOTE_LIMIT ? `${text.slice(0, AT_NOTE_LIMIT - 1)}…` : text;
      const noteType = Number((await defaultOf('TicketNotes', 'noteType')) ?? 1);
      const publish = Number((await defaultOf('TicketNotes', 'publish')) ?? 1);
      await call('POST', `Tickets/${encodeURIComponent(ticketId)}/Notes`, 'add a note to the ticket', {
        ticketID: Number(ticketId),
        title: 'Tenantwatch',
        description,
        noteType,
        publish,
      });
    },

    async attachFile(ticketId, file: PsaAttachment) {
      await call('POST', `Tickets/${encodeURIComponent(ticketId)}/Attachments`, 'attach a file to the ticket', {
        id: 0,
        parentID: Number(ticketId),
        title: file.fileName,
        fullPath: file.fileName,
        data: file.content.toString('base64'),
        attachmentType: 'FILE_ATTACHMENT',
        publish: 1,
      });
    },

    async getTicket(ticketId) {
      return toState(await readTicket(ticketId));
    },

    async setStatus(ticketId, statusId) {
      await call('PATCH', 'Tickets', 'change the ticket status', { id: Number(ticketId), status: Number(statusId) });
      return toState(await readTicket(ticketId));
    },
  };
}

export const autotaskProvider: PsaProvider<AutotaskSettings, AutotaskCredentials> = {
  kind: 'autotask',
  label: 'Autotask',
  settingsSchema: autotaskSettingsSchema as z.ZodType<AutotaskSettings>,
  credentialsSchema: autotaskCredentialsSchema,
  routingLists: [
    { list: 'queues', label: 'Queue', required: true },
    { list: 'priorities', label: 'Priority', required: false },
    { list: 'statuses', label: 'Status', required: false },
    { list: 'issueTypes', label: 'Issue type', required: false },
    { list: 'subIssueTypes', label: 'Sub-issue type', required: false, parentList: 'issueTypes' },
    { list: 'sources', label: 'Source', required: false },
  ],
  summaryLimit: AT_TITLE_LIMIT,
  connect: connectAutotask,
};
