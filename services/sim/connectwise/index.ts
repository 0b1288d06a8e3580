/**
 * A faithful local ConnectWise Manage REST API (`/{codebase}/apis/3.0/…`): Basic auth as
 * `companyId+publicKey:privateKey` plus the `clientId` header, the `login/companyinfo` lookup,
 * companies, service boards with statuses and teams, priorities, tickets (create, read, JSON-Patch
 * update, list with `conditions` and page/pageSize with a Link header, count), ticket notes and
 * `/system/documents` multipart attachments. Errors use Manage's `{code, message, errors[]}` body.
 * A control API under /_sim sets faults (429, 5xx), latency, members and companies and shows
 * what was written.
 *
 * @example
 *   const sim = await startConnectWiseSimulator();
 *   // GET `${sim.url}/v4_6_release/apis/3.0/service/tickets` with
 *   //   Authorization: Basic base64('tenantwatch_demo+demoPublicKey:demoPrivateKey'), clientId: <guid>
 *   await sim.close();
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { latencySchema, psaFaultSchema, sleep, takeFault } from '../psa-common/faults.ts';
import { ConditionsError, filterByConditions } from './conditions.ts';
import { CW_PERMISSION_AREAS, defaultCwState, type CwMember, type CwPermissionArea, type CwSimState, type CwTicket } from './state.ts';

export { defaultCwState } from './state.ts';
export type { CwSimState, CwMember, CwCompany, CwTicket } from './state.ts';

type Env = { Variables: { member: CwMember } };
type Level = 'Low' | 'Medium' | 'High';
const LEVELS = ['Low', 'Medium', 'High'] as const;

const cwError = (c: Context, status: 400 | 401 | 403 | 404 | 405 | 429 | 500, code: string, message: string, errors?: unknown[]) =>
  c.json(errors ? { code, message, errors } : { code, message }, status);

const invalid = (c: Context, message: string, field: string, code = 'InvalidObject') =>
  cwError(c, 400, 'InvalidObject', 'ticket object is invalid', [{ code, message, resource: 'ticket', field }]);

function parseBasic(header: string | undefined): { company: string; publicKey: string; privateKey: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const plus = decoded.indexOf('+');
  if (colon < 0 || plus < 0 || plus > colon) return undefined;
  return { company: decoded.slice(0, plus), publicKey: decoded.slice(plus + 1, colon), privateKey: decoded.slice(colon + 1) };
}

const info = (at: string, by: string) => ({ lastUpdated: at, updatedBy: by });

/** Pages a list as Manage does: page from 1, pageSize default 25 and at most 1000, Link header. */
function paged<T>(c: Context, items: T[]): Response {
  const page = Math.max(1, Number(c.req.query('page') ?? '1') || 1);
  const pageSize = Math.min(1000, Math.max(1, Number(c.req.query('pageSize') ?? '25') || 25));
  const start = (page - 1) * pageSize;
  const slice = items.slice(start, start + pageSize);
  const last = Math.max(1, Math.ceil(items.length / pageSize));
  const links: string[] = [];
  const link = (p: number, rel: string) => {
    const u = new URL(c.req.url);
    u.searchParams.set('page', String(p));
    u.searchParams.set('pageSize', String(pageSize));
    links.push(`<${u.toString()}>; rel="${rel}"`);
  };
  if (page < last) {
    link(page + 1, 'next');
    link(last, 'last');
  }
  if (page > 1) {
    link(page - 1, 'prev');
    link(1, 'first');
  }
  if (links.length) c.header('Link', links.join(', '));
  const fields = c.req.query('fields');
  const picked = fields
    ? slice.map((item) =>
        pick(
          item as Record<string, unknown>,
          fields.split(',').map((f) => f.trim()),
        ),
      )
    : slice;
  return c.json(picked);
}

function pick(item: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const top = f.split('/')[0]!;
    if (top in item) out[top] = item[top];
  }
  return out;
}

function ordered<T extends Record<string, unknown>>(c: Context, items: T[]): T[] {
  const orderBy = c.req.query('orderBy');
  if (!orderBy) return items;
  const [field, dir] = orderBy.trim().split(/\s+/);
  const sign = dir?.toLowerCase() === 'desc' ? -1 : 1;
  return [...items].sort((a, b) => {
    const x = a[field!] as string | number;
    const y = b[field!] as string | number;
    return x < y ? -sign : x > y ? sign : 0;
  });
}

function ticketView(state: CwSimState, t: CwTicket): Record<string, unknown> {
  const board = state.boards.find((b) => b.id === t.boardId)!;
  const status = board.statuses.find((s) => s.id === t.statusId)!;
  const company = state.companies.find((co) => co.id === t.companyId)!;
  const priority = state.priorities.find((p) => p.id === t.priorityId)!;
  const team = t.teamId ? board.teams.find((tm) => tm.id === t.teamId) : undefined;
  return {
    id: t.id,
    summary: t.summary,
    recordType: t.recordType,
    board: { id: board.id, name: board.name },
    status: { id: status.id, name: status.name, Sort: status.sortOrder },
    company: { id: company.id, identifier: company.identifier, name: company.name },
    priority: { id: priority.id, name: priority.name, sort: priority.sortOrder },
    ...(team ? { team: { id: team.id, name: team.name } } : {}),
    severity: t.severity,
    impact: t.impact,
    ...(t.externalXRef ? { externalXRef: t.externalXRef } : {}),
    closedFlag: t.closedFlag,
    ...(t.closedDate ? { closedDate: t.closedDate, closedBy: t.closedBy } : {}),
    _info: { lastUpdated: t.lastUpdated, updatedBy: t.updatedBy, dateEntered: t.dateEntered, enteredBy: t.enteredBy },
  };
}

type Ref = { id?: number; name?: string; identifier?: string };
const refSchema = z.object({ id: z.number().int().optional(), name: z.string().optional(), identifier: z.string().optional() }).loose();

const ticketCreateSchema = z
  .object({
    summary: z.string().optional(),
    recordType: z.enum(['ServiceTicket', 'ProjectTicket', 'ProjectIssue']).optional(),
    board: refSchema.optional(),
    status: refSchema.optional(),
    company: refSchema.optional(),
    priority: refSchema.optional(),
    team: refSchema.optional(),
    severity: z.string().optional(),
    impact: z.string().optional(),
    initialDescription: z.string().optional(),
    externalXRef: z.string().optional(),
    processNotifications: z.boolean().optional(),
  })
  .loose();

/** Builds the Hono app over a state (for in-process use); `startConnectWiseSimulator` serves it. */
export function createConnectWiseSimApp(state: CwSimState): Hono<Env> {
  const app = new Hono<Env>();
  const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

  app.use('*', async (c, next) => {
    const path = new URL(c.req.url).pathname;
    const control = path.startsWith('/_sim');
    if (!control && state.latencyMs > 0) await sleep(state.latencyMs);
    const fault = control ? undefined : takeFault(state.faults, c.req.method, path);
    if (fault) {
      state.requests.push({ at: new Date().toISOString(), method: c.req.method, path, status: fault.status, fault: fault.status });
      if (fault.status === 429) {
        return c.json({ code: 'TooManyRequests', message: 'Too many requests, please try again later.' }, 429, {
          'Retry-After': String(fault.retryAfterSeconds ?? 1),
        });
      }
      return c.json({ code: 'InternalServerError', message: 'An error has occurred.' }, fault.status as 500);
    }
    await next();
    if (!control) state.requests.push({ at: new Date().toISOString(), method: c.req.method, path, status: c.res.status });
  });

  // Manage's public lookup of a company's codebase; clients use it to find the API path.
  app.get('/login/companyinfo/:companyId', (c) => {
    if (c.req.param('companyId').toLowerCase() !== state.companyId.toLowerCase()) return c.json(null, 404);
    const site = new URL(c.req.url).host;
    return c.json({
      CompanyName: state.companyName,
      Codebase: `${state.codebase}/`,
      VersionCode: 'v2024.1',
      VersionNumber: 'v4.6.84077',
      CompanyID: state.companyId,
      IsCloud: false,
      SiteUrl: site,
    });
  });

  const api = new Hono<Env>();
  api.use('*', async (c, next) => {
    const clientId = c.req.header('clientId');
    if (!clientId || (state.clientIds.length > 0 && !state.clientIds.includes(clientId))) {
      return cwError(
        c,
        401,
        'Unauthorized',
        clientId ? 'The clientId provided is not valid.' : 'A clientId header is required; register one at developer.connectwise.com.',
      );
    }
    const auth = parseBasic(c.req.header('authorization'));
    if (!auth) return cwError(c, 401, 'Unauthorized', 'Authorization header is missing or not in the form companyId+publicKey:privateKey.');
    const member = state.members.find((m) => m.publicKey === auth.publicKey && m.privateKey === auth.privateKey);
    if (auth.company.toLowerCase() !== state.companyId.toLowerCase() || !member) {
      return cwError(c, 401, 'Unauthorized', 'Authentication failed - Invalid credentials.');
    }
    c.set('member', member);
    await next();
  });
  const need = (c: Context<Env>, area: CwPermissionArea, action: string) => {
    const allowed = c.get('member').permissions ?? CW_PERMISSION_AREAS;
    if (allowed.includes(area)) return undefined;
    return cwError(c, 403, 'NotAuthorized', `You do not have permission to ${action}. Check the API member's security role (${area}).`);
  };
  const listWith = <T extends Record<string, unknown>>(c: Context<Env>, items: T[]) => {
    try {
      return paged(c, ordered(c, filterByConditions(items, c.req.query('conditions'))));
    } catch (e) {
      if (e instanceof ConditionsError) return cwError(c, 400, 'InvalidObject', `conditions: ${e.message}`);
      throw e;
    }
  };

  api.get('/system/info', (c) => c.json({ version: 'v2024.1', isCloud: false, serverTimeZone: 'Eastern Standard Time', licenseBits: [] }));

  api.get(
    '/company/companies',
    (c) =>
      need(c, 'companies', 'view companies') ??
      listWith(
        c,
        state.companies.filter((co) => !co.deletedFlag).map((co) => ({ ...co, deletedFlag: false, _info: info(now(), 'admin') })),
      ),
  );
  api.get(
    '/company/companies/count',
    (c) => need(c, 'companies', 'view companies') ?? c.json({ count: filterByConditions(state.companies, c.req.query('conditions')).length }),
  );
  api.get('/company/companies/:id', (c) => {
    const company = state.companies.find((co) => co.id === Number(c.req.param('id')));
    return need(c, 'companies', 'view companies') ?? (company ? c.json(company) : cwError(c, 404, 'NotFound', `Company ${c.req.param('id')} not found`));
  });

  const serviceRead = (c: Context<Env>) => need(c, 'service', 'view service tickets and boards');
  api.get(
    '/service/boards',
    (c) =>
      serviceRead(c) ??
      listWith(
        c,
        state.boards.map(({ id, name, inactiveFlag }) => ({ id, name, inactiveFlag })),
      ),
  );
  api.get('/service/boards/:id/statuses', (c) => {
    const board = state.boards.find((b) => b.id === Number(c.req.param('id')));
    if (!board) return serviceRead(c) ?? cwError(c, 404, 'NotFound', `Board ${c.req.param('id')} not found`);
    return (
      serviceRead(c) ??
      listWith(
        c,
        board.statuses.map((s) => ({ ...s, board: { id: board.id, name: board.name } })),
      )
    );
  });
  api.get('/service/boards/:id/teams', (c) => {
    const board = state.boards.find((b) => b.id === Number(c.req.param('id')));
    if (!board) return serviceRead(c) ?? cwError(c, 404, 'NotFound', `Board ${c.req.param('id')} not found`);
    return (
      serviceRead(c) ??
      listWith(
        c,
        board.teams.map((t) => ({ ...t, boardId: board.id })),
      )
    );
  });
  api.get(
    '/service/priorities',
    (c) =>
      serviceRead(c) ??
      listWith(
        c,
        state.priorities.map((p) => ({ ...p })),
      ),
  );

  const resolveRefs = (c: Context, body: { board?: Ref; status?: Ref; company?: Ref; priority?: Ref; team?: Ref }, base?: CwTicket) => {
    const byRef = <T extends { id: number; name?: string; identifier?: string }>(list: T[], ref: Ref | undefined, key: 'name' | 'identifier' = 'name') =>
      ref?.id !== undefined
        ? list.find((x) => x.id === ref.id)
        : ref?.[key] !== undefined
          ? list.find((x) => (x[key] ?? '').toLowerCase() === ref[key]!.toLowerCase())
          : undefined;
    const board = body.board ? byRef(state.boards, body.board) : base ? state.boards.find((b) => b.id === base.boardId) : state.boards[0];
    if (!board || board.inactiveFlag) return { error: invalid(c, 'Board not found or inactive.', 'board') };
    const company = body.company
      ? byRef(state.companies, body.company, body.company.identifier !== undefined ? 'identifier' : 'name')
      : base
        ? state.companies.find((co) => co.id === base.companyId)
        : undefined;
    if (!company)
      return { error: invalid(c, body.company ? 'Company not found.' : 'company is required.', 'company', body.company ? 'InvalidObject' : 'NullOrEmpty') };
    let status = body.status
      ? byRef(board.statuses, body.status)
      : base && base.boardId === board.id
        ? board.statuses.find((s) => s.id === base.statusId)
        : board.statuses.find((s) => s.defaultFlag);
    if (!status) status = undefined;
    if (!status || status.inactive) return { error: invalid(c, `Status is not valid for board ${board.name}.`, 'status') };
    const priority = body.priority
      ? byRef(state.priorities, body.priority)
      : base
        ? state.priorities.find((p) => p.id === base.priorityId)
        : state.priorities.find((p) => p.defaultFlag);
    if (!priority) return { error: invalid(c, 'Priority not found.', 'priority') };
    const team = body.team
      ? byRef(board.teams, body.team)
      : base?.teamId !== undefined && base.boardId === board.id
        ? board.teams.find((t) => t.id === base.teamId)
        : undefined;
    if (body.team && !team) return { error: invalid(c, `Team is not valid for board ${board.name}.`, 'team') };
    return { board, company, status, priority, team };
  };

  const applyStatus = (t: CwTicket, statusId: number, by: string) => {
    const board = state.boards.find((b) => b.id === t.boardId)!;
    const status = board.statuses.find((s) => s.id === statusId)!;
    t.statusId = status.id;
    if (status.closedStatus && !t.closedFlag) {
      t.closedFlag = true;
      t.closedDate = now();
      t.closedBy = by;
    } else if (!status.closedStatus) {
      t.closedFlag = false;
      delete t.closedDate;
      delete t.closedBy;
    }
  };

  api.get(
    '/service/tickets',
    (c) =>
      serviceRead(c) ??
      listWith(
        c,
        state.tickets.map((t) => ticketView(state, t)),
      ),
  );
  api.get('/service/tickets/count', (c) => {
    try {
      return (
        serviceRead(c) ??
        c.json({
          count: filterByConditions(
            state.tickets.map((t) => ticketView(state, t)),
            c.req.query('conditions'),
          ).length,
        })
      );
    } catch (e) {
      if (e instanceof ConditionsError) return cwError(c, 400, 'InvalidObject', `conditions: ${e.message}`);
      throw e;
    }
  });
  api.post('/service/tickets/search', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { conditions?: string };
    try {
      return (
        serviceRead(c) ??
        paged(
          c,
          filterByConditions(
            state.tickets.map((t) => ticketView(state, t)),
            body.conditions,
          ),
        )
      );
    } catch (e) {
      if (e instanceof ConditionsError) return cwError(c, 400, 'InvalidObject', `conditions: ${e.message}`);
      throw e;
    }
  });
  api.get('/service/tickets/:id', (c) => {
    const t = state.tickets.find((x) => x.id === Number(c.req.param('id')));
    return serviceRead(c) ?? (t ? c.json(ticketView(state, t)) : cwError(c, 404, 'NotFound', `Ticket ${c.req.param('id')} not found`));
  });

  api.post('/service/tickets', async (c) => {
    const denied = serviceRead(c);
    if (denied) return denied;
    const parsed = ticketCreateSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success)
      return cwError(c, 400, 'InvalidObject', 'ticket object is invalid', [
        { code: 'InvalidObject', message: 'The request body is not a ticket.', resource: 'ticket', field: '' },
      ]);
    const body = parsed.data;
    if (!body.summary || !body.summary.trim()) return invalid(c, 'summary may not be empty.', 'summary', 'NullOrEmpty');
    if (body.summary.length > 100) return invalid(c, 'summary cannot be longer than 100 characters.', 'summary', 'OutOfRange');
    if (body.externalXRef && body.externalXRef.length > 100)
      return invalid(c, 'externalXRef cannot be longer than 100 characters.', 'externalXRef', 'OutOfRange');
    for (const field of ['severity', 'impact'] as const) {
      if (body[field] !== undefined && !LEVELS.includes(body[field] as Level)) return invalid(c, `${field} must be Low, Medium or High.`, field);
    }
    const refs = resolveRefs(c, body);
    if ('error' in refs) return refs.error;
    const by = c.get('member').identifier;
    const at = now();
    const ticket: CwTicket = {
      id: state.nextId.ticket++,
      summary: body.summary,
      recordType: body.recordType ?? 'ServiceTicket',
      boardId: refs.board.id,
      statusId: refs.status.id,
      companyId: refs.company.id,
      priorityId: refs.priority.id,
      ...(refs.team ? { teamId: refs.team.id } : {}),
      severity: (body.severity as Level | undefined) ?? 'Medium',
      impact: (body.impact as Level | undefined) ?? 'Medium',
      ...(body.externalXRef ? { externalXRef: body.externalXRef } : {}),
      ...(body.initialDescription ? { initialDescription: body.initialDescription } : {}),
      closedFlag: false,
      dateEntered: at,
      enteredBy: by,
      lastUpdated: at,
      updatedBy: by,
    };
    applyStatus(ticket, refs.status.id, by);
    state.tickets.push(ticket);
    // Manage files the initial description as the ticket's first Discussion note.
    if (body.initialDescription) {
      state.notes.push({
        id: state.nextId.note++,
        ticketId: ticket.id,
        text: body.initialDescription,
        detailDescriptionFlag: true,
        internalAnalysisFlag: false,
        resolutionFlag: false,
        dateCreated: at,
        createdBy: by,
      });
    }
    return c.json(ticketView(state, ticket), 201);
  });

  api.patch('/service/tickets/:id', async (c) => {
    const denied = serviceRead(c);
    if (denied) return denied;
    const t = state.tickets.find((x) => x.id === Number(c.req.param('id')));
    if (!t) return cwError(c, 404, 'NotFound', `Ticket ${c.req.param('id')} not found`);
    const ops = z
      .array(z.object({ op: z.enum(['add', 'replace', 'remove']), path: z.string(), value: z.unknown().optional() }))
      .safeParse(await c.req.json().catch(() => undefined));
    if (!ops.success) return cwError(c, 400, 'InvalidObject', 'The body must be a JSON-Patch array of {op, path, value}.');
    const refs: Record<string, Ref> = {};
    const scalars: Partial<Pick<CwTicket, 'summary' | 'severity' | 'impact' | 'externalXRef'>> = {};
    for (const op of ops.data) {
      const parts = op.path.replace(/^\//, '').split('/');
      const field = parts[0]!;
      if (['board', 'status', 'company', 'priority', 'team'].includes(field)) {
        if (op.op === 'remove') return invalid(c, `${field} cannot be removed.`, field);
        if (parts.length > 1) refs[field] = { ...refs[field], [parts[1]!]: op.value } as Ref;
        else if (op.value && typeof op.value === 'object') refs[field] = op.value as Ref;
        else return invalid(c, `${field} needs a reference object.`, field);
      } else if (field === 'summary') {
        if (typeof op.value !== 'string' || !op.value.trim()) return invalid(c, 'summary may not be empty.', 'summary', 'NullOrEmpty');
        if (op.value.length > 100) return invalid(c, 'summary cannot be longer than 100 characters.', 'summary', 'OutOfRange');
        scalars.summary = op.value;
      } else if (field === 'severity' || field === 'impact') {
        if (!LEVELS.includes(op.value as Level)) return invalid(c, `${field} must be Low, Medium or High.`, field);
        scalars[field] = op.value as Level;
      } else if (field === 'externalXRef') {
        scalars.externalXRef = op.op === 'remove' ? undefined : String(op.value);
      } else {
        return invalid(c, `The field ${field} cannot be patched here.`, field);
      }
    }
    // A board change without a status lands on the new board's default status.
    if (refs.board && !refs.status) {
      const board = state.boards.find((b) =>
        refs.board!.id !== undefined ? b.id === refs.board!.id : b.name.toLowerCase() === refs.board!.name?.toLowerCase(),
      );
      const def = board?.statuses.find((s) => s.defaultFlag);
      if (def) refs.status = { id: def.id };
    }
    const resolved = resolveRefs(c, refs, t);
    if ('error' in resolved) return resolved.error;
    const by = c.get('member').identifier;
    t.boardId = resolved.board.id;
    t.companyId = resolved.company.id;
    t.priorityId = resolved.priority.id;
    if (resolved.team) t.teamId = resolved.team.id;
    Object.assign(t, scalars);
    applyStatus(t, resolved.status.id, by);
    t.lastUpdated = now();
    t.updatedBy = by;
    return c.json(ticketView(state, t));
  });

  const noteView = (n: (typeof state.notes)[number]) => ({
    id: n.id,
    ticketId: n.ticketId,
    text: n.text,
    detailDescriptionFlag: n.detailDescriptionFlag,
    internalAnalysisFlag: n.internalAnalysisFlag,
    resolutionFlag: n.resolutionFlag,
    dateCreated: n.dateCreated,
    createdBy: n.createdBy,
    _info: info(n.dateCreated, n.createdBy),
  });
  api.get('/service/tickets/:id/notes', (c) => {
    const id = Number(c.req.param('id'));
    if (!state.tickets.some((t) => t.id === id)) return serviceRead(c) ?? cwError(c, 404, 'NotFound', `Ticket ${id} not found`);
    return serviceRead(c) ?? listWith(c, state.notes.filter((n) => n.ticketId === id).map(noteView));
  });
  api.post('/service/tickets/:id/notes', async (c) => {
    const denied = serviceRead(c);
    if (denied) return denied;
    const t = state.tickets.find((x) => x.id === Number(c.req.param('id')));
    if (!t) return cwError(c, 404, 'NotFound', `Ticket ${c.req.param('id')} not found`);
    const body = z
      .object({
        text: z.string(),
        detailDescriptionFlag: z.boolean().optional(),
        internalAnalysisFlag: z.boolean().optional(),
        resolutionFlag: z.boolean().optional(),
      })
      .loose()
      .safeParse(await c.req.json().catch(() => undefined));
    if (!body.success || !body.data.text.trim())
      return cwError(c, 400, 'InvalidObject', 'note object is invalid', [
        { code: 'NullOrEmpty', message: 'text may not be empty.', resource: 'note', field: 'text' },
      ]);
    const flags = [body.data.detailDescriptionFlag, body.data.internalAnalysisFlag, body.data.resolutionFlag].filter(Boolean).length;
    if (flags === 0)
      return cwError(c, 400, 'InvalidObject', 'note object is invalid', [
        {
          code: 'InvalidObject',
          message: 'One of detailDescriptionFlag, internalAnalysisFlag or resolutionFlag must be true.',
          resource: 'note',
          field: 'detailDescriptionFlag',
        },
      ]);
    const at = now();
    const by = c.get('member').identifier;
    const note = {
      id: state.nextId.note++,
      ticketId: t.id,
      text: body.data.text,
      detailDescriptionFlag: !!body.data.detailDescriptionFlag,
      internalAnalysisFlag: !!body.data.internalAnalysisFlag,
      resolutionFlag: !!body.data.resolutionFlag,
      dateCreated: at,
      createdBy: by,
    };
    state.notes.push(note);
    t.lastUpdated = at;
    t.updatedBy = by;
    return c.json(noteView(note), 201);
  });

  const docView = (d: (typeof state.documents)[number]) => ({
    id: d.id,
    title: d.title,
    fileName: d.fileName,
    serverFileName: `${d.id}-${d.fileName}`,
    owner: d.createdBy,
    linkFlag: false,
    imageFlag: d.contentType.startsWith('image/'),
    publicFlag: !d.privateFlag,
    readOnlyFlag: false,
    size: d.content.length,
    _info: { lastUpdated: d.dateCreated, updatedBy: d.createdBy },
  });
  api.post('/system/documents', async (c) => {
    const denied = need(c, 'documents', 'upload documents');
    if (denied) return denied;
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('multipart/form-data'))
      return cwError(c, 400, 'InvalidObject', 'Documents are uploaded as multipart/form-data.');
    const form = await c.req.parseBody();
    const file = form.file;
    if (!(file instanceof File))
      return cwError(c, 400, 'InvalidObject', 'document object is invalid', [
        { code: 'NullOrEmpty', message: 'file is required.', resource: 'document', field: 'file' },
      ]);
    const recordType = String(form.recordType ?? '');
    const recordId = Number(form.recordId);
    if (recordType !== 'Ticket' || !state.tickets.some((t) => t.id === recordId)) {
      return cwError(c, 400, 'InvalidObject', 'document object is invalid', [
        { code: 'InvalidObject', message: `No ${recordType || 'record'} with id ${form.recordId}.`, resource: 'document', field: 'recordId' },
      ]);
    }
    const doc = {
      id: state.nextId.document++,
      recordType,
      recordId,
      title: String(form.title ?? file.name),
      fileName: file.name,
      contentType: file.type || 'application/octet-stream',
      content: Buffer.from(await file.arrayBuffer()),
      privateFlag: String(form.privateFlag ?? 'false') === 'true',
      dateCreated: now(),
      createdBy: c.get('member').identifier,
    };
    state.documents.push(doc);
    return c.json(docView(doc), 200);
  });
  api.get('/system/documents', (c) => {
    const denied = need(c, 'documents', 'view documents');
    if (denied) return denied;
    const recordType = c.req.query('recordType');
    const recordId = Number(c.req.query('recordId'));
    return paged(
      c,
      state.documents.filter((d) => (!recordType || d.recordType === recordType) && (!c.req.query('recordId') || d.recordId === recordId)).map(docView),
    );
  });
  api.get('/system/documents/:id/download', (c) => {
    const d = state.documents.find((x) => x.id === Number(c.req.param('id')));
    if (!d) return cwError(c, 404, 'NotFound', `Document ${c.req.param('id')} not found`);
    return c.body(new Uint8Array(d.content), 200, {
      'content-type': d.contentType,
      'content-disposition': `attachment; filename="${d.fileName.replace(/["\r\n]/g, '_')}"`,
    });
  });

  app.route('/:codebase{v[0-9A-Za-z_]+}/apis/3.0', api);
  app.route('/', controlRoutes(state));
  app.notFound((c) => cwError(c, 404, 'NotFound', `No resource at ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => {
    console.error('connectwise simulator error', error);
    return cwError(c, 500, 'InternalServerError', 'An error has occurred.');
  });
  return app;
}

const memberSchema = z.object({
  publicKey: z.string().min(1),
  privateKey: z.string().min(1),
  identifier: z.string().min(1),
  permissions: z.array(z.enum(CW_PERMISSION_AREAS)).optional(),
});
const companySchema = z.object({ identifier: z.string().min(1), name: z.string().min(1), website: z.string().optional() });

/** /_sim: faults, latency, members, companies, a technician's status change, and a view of what was written. */
function controlRoutes(state: CwSimState): Hono {
  const control = new Hono();
  control.get('/_sim/state', (c) =>
    c.json({
      tickets: state.tickets.map((t) => ({ ...ticketView(state, t), initialDescription: t.initialDescription })),
      notes: state.notes,
      documents: state.documents.map(({ content, ...d }) => ({ ...d, size: content.length, text: content.toString('utf8') })),
      companies: state.companies,
    }),
  );
  control.get('/_sim/requests', (c) => c.json(state.requests));
  control.post('/_sim/faults', async (c) => {
    const fault = psaFaultSchema.parse(await c.req.json());
    state.faults.push(fault);
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
  control.post('/_sim/members', async (c) => {
    const member = memberSchema.parse(await c.req.json());
    state.members = state.members.filter((m) => m.publicKey !== member.publicKey).concat(member);
    return c.json(member, 201);
  });
  control.post('/_sim/companies', async (c) => {
    const body = companySchema.parse(await c.req.json());
    const company = { id: state.nextId.company++, ...body };
    state.companies.push(company);
    return c.json(company, 201);
  });
  // A technician working the ticket in Manage: sets a status by name (e.g. closes it).
  control.post('/_sim/tickets/:id/status', async (c) => {
    const { name } = z.object({ name: z.string() }).parse(await c.req.json());
    const t = state.tickets.find((x) => x.id === Number(c.req.param('id')));
    if (!t) return c.json({ error: 'no such ticket' }, 404);
    const status = state.boards.find((b) => b.id === t.boardId)!.statuses.find((s) => s.name.toLowerCase() === name.toLowerCase());
    if (!status) return c.json({ error: 'no such status on the ticket board' }, 400);
    t.statusId = status.id;
    t.closedFlag = status.closedStatus;
    if (status.closedStatus) {
      t.closedDate = new Date().toISOString();
      t.closedBy = 'technician';
    }
    t.lastUpdated = new Date().toISOString();
    return c.json(ticketView(state, t));
  });
  return control;
}

export interface ConnectWiseSimOptions {
  port?: number;
  host?: string;
  state?: CwSimState;
}

export interface ConnectWiseSimulator {
  url: string;
  /** `${url}/v4_6_release/apis/3.0` */
  apiUrl: string;
  state: CwSimState;
  close(): Promise<void>;
}

/** Serves the simulator over HTTP (port 0 = any free port). */
export async function startConnectWiseSimulator(opts: ConnectWiseSimOptions = {}): Promise<ConnectWiseSimulator> {
  const state = opts.state ?? defaultCwState();
  const app = createConnectWiseSimApp(state);
  const host = opts.host ?? '127.0.0.1';
  const server = await new Promise<ServerType>((ok) => {
    const s = serve({ fetch: app.fetch, port: opts.port ?? 0, hostname: host }, () => ok(s));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  return {
    url,
    apiUrl: `${url}/${state.codebase}/apis/3.0`,
    state,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
