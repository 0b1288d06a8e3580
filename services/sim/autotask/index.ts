/**
 * A faithful local Autotask PSA REST API v1.0: zone discovery
 * (`GET /ATServicesRest/V1.0/zoneInformation?user=`, no credentials), then per zone
 * `/{zone}/ATServicesRest/V1.0/…` with the `ApiIntegrationCode`, `UserName` and `Secret`
 * headers; Companies, Tickets (create returns `{itemId}`, PATCH with the id in the body,
 * `{item}` reads), ticket notes and base64 ticket attachments, `entityInformation/fields`
 * picklists, `/query` by POST body or `?search=`, `/query/count`, and paging through
 * `pageDetails.nextPageUrl`. Paths are case-insensitive as Autotask's are. Errors are
 * `{"errors":["…"]}`; a bad login is 401 with a text body. Control API under /_sim.
 *
 * @example
 *   const sim = await startAutotaskSimulator();
 *   // GET `${sim.url}/ATServicesRest/V1.0/zoneInformation?user=tenantwatch-api@demomsp.example`
 *   await sim.close();
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { latencySchema, psaFaultSchema, sleep, takeFault } from '../psa-common/faults.ts';
import { matchesFilter, parseQueryBody, type AtFilter } from './query.ts';
import { AT_PERMISSION_AREAS, defaultAtState, type AtPermissionArea, type AtRecord, type AtSimState, type AtUser } from './state.ts';

export { defaultAtState } from './state.ts';
export type { AtSimState, AtUser, AtRecord } from './state.ts';

type Env = { Variables: { user: AtUser } };
const ENTITIES = { companies: 'Companies', tickets: 'Tickets', ticketnotes: 'TicketNotes', ticketattachments: 'TicketAttachments' } as const;
type EntityName = (typeof ENTITIES)[keyof typeof ENTITIES];
/** Largest attachment Autotask takes through the API. */
const MAX_ATTACHMENT_BYTES = 6 * 1024 * 1024;

const atErrors = (c: Context, status: 400 | 403 | 404 | 405 | 500, ...messages: string[]) => c.json({ errors: messages }, status);
/** Autotask's timestamps: UTC without the Z. */
const atNow = () => new Date().toISOString().replace('Z', '');

export function createAutotaskSimApp(state: AtSimState, baseUrl: () => string): Hono<Env> {
  const app = new Hono<Env>();

  app.use('*', async (c, next) => {
    const path = new URL(c.req.url).pathname;
    const control = path.startsWith('/_sim');
    if (!control && state.latencyMs > 0) await sleep(state.latencyMs);
    const fault = control ? undefined : takeFault(state.faults, c.req.method, path);
    if (fault) {
      state.requests.push({ at: new Date().toISOString(), method: c.req.method, path, status: fault.status, fault: fault.status });
      if (fault.status === 429) return c.text('Rate limit exceeded; the request was throttled.', 429, { 'Retry-After': String(fault.retryAfterSeconds ?? 1) });
      return c.json({ errors: ['An unexpected error has occurred. Please try again later.'] }, fault.status as 500);
    }
    await next();
    if (!control) state.requests.push({ at: new Date().toISOString(), method: c.req.method, path, status: c.res.status });
  });

  app.get('/atservicesrest/v1.0/zoneinformation', (c) => {
    const user = c.req.query('user') ?? '';
    const found = state.users.find((u) => u.userName.toLowerCase() === user.toLowerCase());
    if (!found) return atErrors(c, 500, `Zone information could not be determined for user ${user}.`);
    const zone = state.zones.find((z) => z.name === found.zone)!;
    return c.json({ zoneName: zone.label, url: `${baseUrl()}/${zone.name}/ATServicesRest/`, webUrl: `${baseUrl()}/ww${zone.ci}/`, ci: zone.ci });
  });

  const api = new Hono<Env>();
  api.use('*', async (c, next) => {
    const zone = c.req.param('zone' as never) as unknown as string;
    const user = state.users.find((u) => u.userName.toLowerCase() === (c.req.header('UserName') ?? '').toLowerCase());
    if (!user || user.secret !== c.req.header('Secret') || user.integrationCode !== c.req.header('ApiIntegrationCode')) {
      return c.text('Unauthorized: the user name, secret or API tracking identifier is not valid.', 401);
    }
    // A database lives in one zone; the others do not know the user.
    if (user.zone !== zone) return c.text(`Unauthorized: the user ${user.userName} does not belong to this zone.`, 401);
    c.set('user', user);
    await next();
  });
  const need = (c: Context<Env>, area: AtPermissionArea) => {
    const allowed = c.get('user').permissions ?? AT_PERMISSION_AREAS;
    return allowed.includes(area) ? undefined : atErrors(c, 403, `The logged in Resource does not have the adequate permissions to access ${area}.`);
  };
  const areaOf = (entity: EntityName): AtPermissionArea => (entity === 'Companies' ? 'companies' : entity === 'TicketAttachments' ? 'attachments' : 'tickets');
  const entityParam = (c: Context<Env>): EntityName | undefined => ENTITIES[c.req.param('entity' as never) as unknown as keyof typeof ENTITIES];

  /** Attachments are listed without their data, as the query endpoint does. */
  const view = (entity: EntityName, r: AtRecord) => (entity === 'TicketAttachments' ? Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'data')) : r);

  const runQuery = (c: Context<Env>, entity: EntityName, raw: unknown, afterId: number) => {
    let q: ReturnType<typeof parseQueryBody>;
    try {
      q = parseQueryBody(raw);
    } catch (e) {
      return atErrors(c, 400, (e as Error).message);
    }
    let matched: AtRecord[];
    try {
      matched = state.entities[entity].filter((r) => r.id > afterId && q.filter.every((f: AtFilter) => matchesFilter(r, f))).sort((a, b) => a.id - b.id);
    } catch (e) {
      return atErrors(c, 400, (e as Error).message);
    }
    const page = matched.slice(0, q.maxRecords);
    const more = matched.length > page.length;
    const items = page.map((r) => {
      const v = view(entity, r);
      return q.includeFields
        ? Object.fromEntries(Object.entries(v).filter(([k]) => k === 'id' || q.includeFields!.some((f) => f.toLowerCase() === k.toLowerCase())))
        : v;
    });
    const zone = c.get('user').zone;
    const next = more
      ? `${baseUrl()}/${zone}/ATServicesRest/V1.0/${entity}/query/next?paging=${encodeURIComponent(JSON.stringify({ pageSize: q.maxRecords, previousIds: [afterId], nextIds: [page.at(-1)!.id] }))}&search=${encodeURIComponent(JSON.stringify(raw))}`
      : null;
    return c.json({ items, pageDetails: { count: items.length, requestCount: q.maxRecords, prevPageUrl: null, nextPageUrl: next } });
  };
  const searchParam = (c: Context<Env>) => {
    const s = c.req.query('search');
    if (!s) return undefined;
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return null;
    }
  };

  api.on(['GET', 'POST'], '/:entity/query', async (c) => {
    const entity = entityParam(c);
    if (!entity) return atErrors(c, 404, 'Entity not found.');
    const denied = need(c, areaOf(entity));
    if (denied) return denied;
    const raw = c.req.method === 'POST' ? await c.req.json().catch(() => null) : searchParam(c);
    return runQuery(c, entity, raw, Number.NEGATIVE_INFINITY);
  });
  api.on(['GET', 'POST'], '/:entity/query/next', async (c) => {
    const entity = entityParam(c);
    if (!entity) return atErrors(c, 404, 'Entity not found.');
    const denied = need(c, areaOf(entity));
    if (denied) return denied;
    const paging = z.object({ nextIds: z.array(z.number()).min(1) }).safeParse(JSON.parse(c.req.query('paging') ?? 'null'));
    if (!paging.success) return atErrors(c, 400, 'The paging parameter is not valid.');
    return runQuery(c, entity, searchParam(c), paging.data.nextIds[0]!);
  });
  api.on(['GET', 'POST'], '/:entity/query/count', async (c) => {
    const entity = entityParam(c);
    if (!entity) return atErrors(c, 404, 'Entity not found.');
    const denied = need(c, areaOf(entity));
    if (denied) return denied;
    try {
      const q = parseQueryBody(c.req.method === 'POST' ? await c.req.json().catch(() => null) : searchParam(c));
      return c.json({ queryCount: state.entities[entity].filter((r) => q.filter.every((f) => matchesFilter(r, f))).length });
    } catch (e) {
      return atErrors(c, 400, (e as Error).message);
    }
  });

  const fieldInfo = (
    name: string,
    dataType: string,
    opts: { required?: boolean; length?: number; picklist?: AtSimState['picklists'][string]; reference?: string; parent?: string } = {},
  ) => ({
    name,
    dataType,
    length: opts.length ?? 0,
    isRequired: !!opts.required,
    isReadOnly: name === 'id',
    isQueryable: true,
    isReference: !!opts.reference,
    referenceEntityType: opts.reference ?? '',
    isPickList: !!opts.picklist,
    picklistValues: opts.picklist ?? null,
    picklistParentValueField: opts.parent ?? '',
    isSupportedWebhookField: false,
  });
  api.get('/:entity/entityinformation/fields', (c) => {
    const name = c.req.param('entity');
    const p = state.picklists;
    if (name === 'tickets') {
      return (
        need(c, 'tickets') ??
        c.json({
          fields: [
            fieldInfo('id', 'long'),
            fieldInfo('companyID', 'integer', { required: true, reference: 'Company' }),
            fieldInfo('title', 'string', { required: true, length: 255 }),
            fieldInfo('description', 'string', { length: 8000 }),
            fieldInfo('status', 'integer', { required: true, picklist: p.status }),
            fieldInfo('priority', 'integer', { required: true, picklist: p.priority }),
            fieldInfo('queueID', 'integer', { picklist: p.queueID }),
            fieldInfo('issueType', 'integer', { picklist: p.issueType }),
            fieldInfo('subIssueType', 'integer', { picklist: p.subIssueType, parent: 'issueType' }),
            fieldInfo('source', 'integer', { picklist: p.source }),
            fieldInfo('ticketType', 'integer', { picklist: p.ticketType }),
            fieldInfo('externalID', 'string', { length: 50 }),
            fieldInfo('ticketNumber', 'string', { length: 50 }),
          ],
        })
      );
    }
    if (name === 'ticketnotes') {
      return (
        need(c, 'tickets') ??
        c.json({
          fields: [
            fieldInfo('id', 'long'),
            fieldInfo('ticketID', 'integer', { required: true, reference: 'Ticket' }),
            fieldInfo('title', 'string', { length: 250 }),
            fieldInfo('description', 'string', { required: true, length: 32000 }),
            fieldInfo('noteType', 'integer', { required: true, picklist: state.notePicklists.noteType }),
            fieldInfo('publish', 'integer', { required: true, picklist: state.notePicklists.publish }),
          ],
        })
      );
    }
    if (name === 'companies')
      return (
        need(c, 'companies') ??
        c.json({
          fields: [
            fieldInfo('id', 'long'),
            fieldInfo('companyName', 'string', { required: true, length: 100 }),
            fieldInfo('webAddress', 'string', { length: 255 }),
          ],
        })
      );
    return atErrors(c, 404, 'Entity not found.');
  });

  const inPicklist = (list: string, value: unknown) =>
    value === undefined || value === null || state.picklists[list]!.some((v) => v.value === String(value) && v.isActive);
  const validateTicket = (t: Record<string, unknown>): string | undefined => {
    if (typeof t.title !== 'string' || !t.title.trim()) return 'Title is required.';
    if (t.title.length > 255) return 'Title cannot be longer than 255 characters.';
    if (typeof t.description === 'string' && t.description.length > 8000) return 'Description cannot be longer than 8000 characters.';
    if (t.externalID !== undefined && t.externalID !== null && String(t.externalID).length > 50) return 'externalID cannot be longer than 50 characters.';
    if (!state.entities.Companies.some((co) => co.id === Number(t.companyID) && co.isActive !== false))
      return `Company ${String(t.companyID)} does not exist or is inactive.`;
    for (const f of ['status', 'priority', 'queueID', 'issueType', 'subIssueType', 'source', 'ticketType']) {
      if (!inPicklist(f, t[f])) return `Value ${String(t[f])} is not a valid ${f}.`;
    }
    if (t.status === undefined || t.priority === undefined) return 'Status and priority are required.';
    if (t.queueID === undefined || t.queueID === null) return 'A queue (queueID) or an assigned resource and role is required.';
    if (t.subIssueType !== undefined && t.subIssueType !== null) {
      const sub = state.picklists.subIssueType!.find((v) => v.value === String(t.subIssueType))!;
      if (sub.parentValue !== String(t.issueType)) return `Sub-issue type ${String(t.subIssueType)} does not belong to issue type ${String(t.issueType)}.`;
    }
    return undefined;
  };
  const setCompleted = (t: AtRecord, before: unknown) => {
    if (String(t.status) === '5' && String(before) !== '5') t.completedDate = atNow();
    if (String(t.status) !== '5') t.completedDate = null;
    t.lastActivityDate = atNow();
  };

  api.post('/tickets', async (c) => {
    const denied = need(c, 'tickets');
    if (denied) return denied;
    const body = (await c.req.json().catch(() => null)) as Record<string, unknown> | null;
    if (!body || typeof body !== 'object') return atErrors(c, 400, 'The request body must be a ticket.');
    const { id: _ignored, ticketNumber: _n, ...fields } = body;
    const error = validateTicket(fields);
    if (error) return atErrors(c, 400, error);
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    const ticket: AtRecord = {
      ...fields,
      id: state.nextId++,
      ticketNumber: `T${day}.${String(state.ticketSeq++).padStart(4, '0')}`,
      createDate: atNow(),
      completedDate: null,
      lastActivityDate: atNow(),
    };
    setCompleted(ticket, undefined);
    state.entities.Tickets.push(ticket);
    return c.json({ itemId: ticket.id });
  });
  api.patch('/tickets', async (c) => {
    const denied = need(c, 'tickets');
    if (denied) return denied;
    const body = (await c.req.json().catch(() => null)) as Record<string, unknown> | null;
    if (!body || body.id === undefined) return atErrors(c, 400, 'A PATCH to Tickets needs the ticket id in the body.');
    const t = state.entities.Tickets.find((x) => x.id === Number(body.id));
    if (!t) return atErrors(c, 404, `Ticket ${String(body.id)} not found.`);
    const next = { ...t, ...body, id: t.id, ticketNumber: t.ticketNumber };
    const error = validateTicket(next);
    if (error) return atErrors(c, 400, error);
    const before = t.status;
    Object.assign(t, next);
    setCompleted(t, before);
    return c.json({ itemId: t.id });
  });
  api.get('/:entity/:id{[0-9]+}', (c) => {
    const entity = entityParam(c);
    if (!entity) return atErrors(c, 404, 'Entity not found.');
    const denied = need(c, areaOf(entity));
    if (denied) return denied;
    const r = state.entities[entity].find((x) => x.id === Number(c.req.param('id')));
    // Autotask answers a missing id with an empty item rather than 404.
    return c.json({ item: r ? view(entity, r) : null });
  });

  api.post('/tickets/:id{[0-9]+}/notes', async (c) => {
    const denied = need(c, 'tickets');
    if (denied) return denied;
    const ticketId = Number(c.req.param('id'));
    const t = state.entities.Tickets.find((x) => x.id === ticketId);
    if (!t) return atErrors(c, 404, `Ticket ${ticketId} not found.`);
    const body = (await c.req.json().catch(() => null)) as Record<string, unknown> | null;
    if (!body || typeof body.description !== 'string' || !body.description.trim()) return atErrors(c, 400, 'Description is required.');
    if (body.description.length > 32000) return atErrors(c, 400, 'Description cannot be longer than 32000 characters.');
    if (body.ticketID !== undefined && Number(body.ticketID) !== ticketId) return atErrors(c, 400, 'ticketID does not match the parent ticket.');
    for (const f of ['noteType', 'publish'] as const) {
      if (!state.notePicklists[f]!.some((v) => v.value === String(body[f]))) return atErrors(c, 400, `Value ${String(body[f])} is not a valid ${f}.`);
    }
    const note: AtRecord = {
      id: state.nextId++,
      ticketID: ticketId,
      title: typeof body.title === 'string' ? body.title : '',
      description: body.description,
      noteType: Number(body.noteType),
      publish: Number(body.publish),
      createDateTime: atNow(),
      creatorResourceID: 29682885,
    };
    state.entities.TicketNotes.push(note);
    t.lastActivityDate = atNow();
    return c.json({ itemId: note.id });
  });

  api.post('/tickets/:id{[0-9]+}/attachments', async (c) => {
    const denied = need(c, 'attachments');
    if (denied) return denied;
    const ticketId = Number(c.req.param('id'));
    if (!state.entities.Tickets.some((x) => x.id === ticketId)) return atErrors(c, 404, `Ticket ${ticketId} not found.`);
    const body = (await c.req.json().catch(() => null)) as Record<string, unknown> | null;
    if (!body || typeof body.data !== 'string' || !body.data) return atErrors(c, 400, 'Attachment data (base64) is required.');
    if (body.attachmentType !== 'FILE_ATTACHMENT') return atErrors(c, 400, 'attachmentType must be FILE_ATTACHMENT for a file.');
    if (typeof body.title !== 'string' || !body.title.trim()) return atErrors(c, 400, 'Title is required.');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body.data)) return atErrors(c, 400, 'Attachment data is not valid base64.');
    const bytes = Buffer.from(body.data, 'base64');
    if (bytes.length > MAX_ATTACHMENT_BYTES) return atErrors(c, 400, 'The attachment is larger than the 6 MB the API accepts.');
    const attachment: AtRecord = {
      id: state.nextId++,
      parentID: ticketId,
      parentType: 4,
      title: body.title,
      fullPath: typeof body.fullPath === 'string' ? body.fullPath : body.title,
      fileSize: bytes.length,
      attachmentType: 'FILE_ATTACHMENT',
      publish: Number(body.publish ?? 1),
      attachDate: atNow(),
      data: body.data,
    };
    state.entities.TicketAttachments.push(attachment);
    return c.json({ itemId: attachment.id });
  });

  api.get('/thresholdinformation', (c) =>
    c.json({ externalRequestThreshold: 10000, requestThresholdTimeframe: 60, currentTimeframeRequestCount: state.requests.length }),
  );

  app.route('/:zone/atservicesrest/v1.0', api);
  app.route('/', controlRoutes(state));
  app.notFound((c) => atErrors(c, 404, `No resource at ${c.req.method} ${c.req.path}.`));
  app.onError((error, c) => {
    console.error('autotask simulator error', error);
    return atErrors(c, 500, 'An unexpected error has occurred.');
  });
  return app;
}

const userSchema = z.object({
  userName: z.string().min(1),
  secret: z.string().min(1),
  integrationCode: z.string().min(1),
  zone: z.string().min(1),
  permissions: z.array(z.enum(AT_PERMISSION_AREAS)).optional(),
});

function controlRoutes(state: AtSimState): Hono {
  const control = new Hono();
  control.get('/_sim/state', (c) =>
    c.json({
      ...state.entities,
      TicketAttachments: state.entities.TicketAttachments.map(({ data, ...a }) => ({ ...a, text: Buffer.from(String(data), 'base64').toString('utf8') })),
    }),
  );
  control.get('/_sim/requests', (c) => c.json(state.requests));
  control.post('/_sim/faults', async (c) => {
    state.faults.push(psaFaultSchema.parse(await c.req.json()));
    return c.json({ faults: state.faults });
  });
  control.delete('/_sim/faults', (c) => {
    state.faults.length = 0;
    return c.json({ faults: [] });
  });
  control.post('/_sim/latency', async (c) => {
    state.latencyMs = latencySchema.parse(await c.req.json()).ms;
    return c.json({ ms: state.latencyMs });
  });
  control.post('/_sim/users', async (c) => {
    const user = userSchema.parse(await c.req.json());
    state.users = state.users.filter((u) => u.userName !== user.userName).concat(user);
    return c.json(user, 201);
  });
  control.post('/_sim/companies', async (c) => {
    const body = z.object({ companyName: z.string().min(1), webAddress: z.string().optional() }).parse(await c.req.json());
    const company = { id: state.nextId++, companyType: 1, isActive: true, ...body };
    state.entities.Companies.push(company);
    return c.json(company, 201);
  });
  // A technician working the ticket in Autotask: sets the status value (5 = Complete).
  control.post('/_sim/tickets/:id/status', async (c) => {
    const { status } = z.object({ status: z.number().int() }).parse(await c.req.json());
    const t = state.entities.Tickets.find((x) => x.id === Number(c.req.param('id')));
    if (!t) return c.json({ error: 'no such ticket' }, 404);
    t.status = status;
    t.completedDate = status === 5 ? atNow() : null;
    return c.json(t);
  });
  return control;
}

export interface AutotaskSimOptions {
  port?: number;
  host?: string;
  state?: AtSimState;
}

export interface AutotaskSimulator {
  /** Stands for https://webservices.autotask.net: zone discovery lives at `${url}/ATServicesRest/V1.0/zoneInformation`. */
  url: string;
  state: AtSimState;
  close(): Promise<void>;
}

/** Paths are matched in lower case, as Autotask accepts any casing. */
export async function startAutotaskSimulator(opts: AutotaskSimOptions = {}): Promise<AutotaskSimulator> {
  const state = opts.state ?? defaultAtState();
  let url = '';
  const app = createAutotaskSimApp(state, () => url);
  const fetchLower = (req: Request) => {
    const u = new URL(req.url);
    if (u.pathname.startsWith('/_sim')) return app.fetch(req);
    u.pathname = u.pathname.toLowerCase();
    return app.fetch(new Request(u, req));
  };
  const host = opts.host ?? '127.0.0.1';
  const server = await new Promise<ServerType>((ok) => {
    const s = serve({ fetch: fetchLower, port: opts.port ?? 0, hostname: host }, () => ok(s));
  });
  const { port } = server.address() as AddressInfo;
  url = `http://${host}:${port}`;
  return {
    url,
    state,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
