import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ENTITY_KINDS, REMEDIATION_STATUSES } from '../../../db/schema/index.ts';
import { approveRemediation, decideInput, rejectRemediation } from '../../core/remediation/decide-remediation.ts';
import { getRemediation, listRemediations } from '../../core/remediation/list-remediations.ts';
import { listRemediationPolicies, setPolicyInput, setRemediationPolicy } from '../../core/remediation/policy.ts';
import { requestRemediation, requestRemediationInput } from '../../core/remediation/request-remediation.ts';
import { revealTemporaryPassword } from '../../core/remediation/reveal-password.ts';
import { undoRemediation } from '../../core/remediation/undo-remediation.ts';
import { ACTION_NAMES } from '../../remediation/actions/index.ts';
import { guard, requireCtx } from '../auth/middleware.ts';
import { errorResponse, errorResponses, IdParam, json, page, pageQuery } from '../schemas.ts';
import type { AppEnv } from '../types.ts';

const Person = z.object({ id: z.string(), name: z.string(), email: z.string() }).nullable();

const RemediationSchema = z
  .object({
    id: z.string(),
    action: z.string().openapi({ example: 'block-sign-in' }),
    actionTitle: z.string().openapi({ example: 'Block sign-in' }),
    actionDescription: z.string(),
    restrictsAccess: z.boolean(),
    entity: z.object({ kind: z.string(), key: z.string() }),
    status: z.enum(REMEDIATION_STATUSES),
    tenant: z.object({ id: z.string(), name: z.string() }),
    event: z.object({ id: z.string(), title: z.string(), severity: z.string(), detectionId: z.string() }).nullable(),
    requestedBy: Person,
    requestedAt: z.string(),
    origin: z.record(z.string(), z.unknown()).nullable().openapi({ description: 'What asked for it when no person did (a trigger)' }),
    decidedBy: Person,
    decidedAt: z.string().nullable(),
    decisionNote: z.string().nullable(),
    expiresAt: z.string().nullable().openapi({ description: 'When a pending approval expires' }),
    result: z.record(z.string(), z.unknown()).nullable().openapi({ description: "Microsoft's answer, in short; `alreadyDone` when nothing needed changing" }),
    error: z.string().nullable().openapi({ description: 'Why it failed, in plain words' }),
    completedAt: z.string().nullable(),
    before: z.record(z.string(), z.unknown()).nullable().openapi({ description: 'The state read just before the change (what undo restores)' }),
    undoOf: z.string().nullable(),
    undoneAt: z.string().nullable(),
    canUndo: z.boolean(),
    hasTemporaryPassword: z
      .boolean()
      .openapi({ description: 'A reset password waits to be shown, once, to the requester (POST /actions/{id}/temporary-password)' }),
    userRisk: z
      .object({ score: z.number(), band: z.string(), openEvents: z.number() })
      .nullable()
      .openapi({ description: "The target user's risk score from their open events" }),
  })
  .openapi('RemediationAction');

const PolicySchema = z
  .object({
    action: z.enum(ACTION_NAMES),
    title: z.string().optional(),
    restrictsAccess: z.boolean().optional(),
    requireApproval: z.boolean(),
    allowSelfApproval: z.boolean(),
    source: z.enum(['tenant', 'msp', 'default']),
    warning: z.string().nullable(),
  })
  .openapi('RemediationPolicy');

const ListQuery = pageQuery.extend({
  status: z
    .string()
    .optional()
    .openapi({ description: `One or more of ${REMEDIATION_STATUSES.join(', ')}, comma-separated`, example: 'pending_approval' }),
  tenant: z.string().optional(),
  event: z.string().optional(),
  action: z.string().optional(),
});

const RequestBody = requestRemediationInput
  .extend({
    entity: z
      .object({ kind: z.enum(ENTITY_KINDS), key: z.string().min(1).max(2000) })
      .optional()
      .openapi({ description: "The target; omitted, the event's primary user (or rule, link, app)" }),
  })
  .openapi('RemediationRequest');
// extend: a schema made before @hono/zod-openapi loaded has no .openapi of its own.
const DecideBody = decideInput.extend({}).openapi('RemediationDecision');

const queueOf = (c: { get(key: 'deps'): AppEnv['Variables']['deps'] }) => c.get('deps').remediationQueue;

/** Remediation: request an action on an event's entity, approvals, history, undo, and the approval policy. */
export const remediationRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'post',
      path: '/events/{id}/remediations',
      tags: ['remediation'],
      summary: "Request a remediation action on one of the event's entities: it runs at once, or waits for an approver, as the approval policy says",
      description: 'Technicians and up. 409 when the same action is already requested for the same target and not finished.',
      ...guard('remediation.request'),
      request: { params: IdParam, body: { content: { 'application/json': { schema: RequestBody } }, required: true } },
      responses: {
        201: json(RemediationSchema, 'The action, `pending_approval` or `approved` (queued)'),
        409: errorResponse('Already requested'),
        ...errorResponses,
      },
    }),
    async (c) => c.json(await requestRemediation({ ctx: requireCtx(c), eventId: c.req.valid('param').id, input: c.req.valid('json'), queue: queueOf(c) }), 201),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/approvals',
      tags: ['remediation'],
      summary: 'The approvals queue: actions by status (default pending_approval), newest first, with their context',
      ...guard('remediation.read'),
      request: { query: ListQuery },
      responses: { 200: json(page(RemediationSchema), 'Actions'), ...errorResponses },
    }),
    async (c) => {
      const query = c.req.valid('query');
      return c.json(await listRemediations({ ctx: requireCtx(c), input: { ...query, status: query.status ?? 'pending_approval' } }), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/approvals/{id}/approve',
      tags: ['remediation'],
      summary: 'Approve a pending action (admins and owners; not your own request unless the policy allows it): it runs at once',
      ...guard('remediation.approve'),
      request: { params: IdParam, body: { content: { 'application/json': { schema: DecideBody } }, required: false } },
      responses: { 200: json(RemediationSchema, 'The action, approved'), 409: errorResponse('Not pending (decided, expired)'), ...errorResponses },
    }),
    async (c) =>
      c.json(await approveRemediation({ ctx: requireCtx(c), id: c.req.valid('param').id, input: c.req.valid('json') ?? {}, queue: queueOf(c) }), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/approvals/{id}/reject',
      tags: ['remediation'],
      summary: 'Reject a pending action with an optional comment; it never runs',
      ...guard('remediation.approve'),
      request: { params: IdParam, body: { content: { 'application/json': { schema: DecideBody } }, required: false } },
      responses: { 200: json(RemediationSchema, 'The action, rejected'), 409: errorResponse('Not pending (decided, expired)'), ...errorResponses },
    }),
    async (c) => c.json(await rejectRemediation({ ctx: requireCtx(c), id: c.req.valid('param').id, input: c.req.valid('json') ?? {} }), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/actions/history',
      tags: ['remediation'],
      summary: 'Action history: every requested action, newest first (filter by status, tenant, event, action)',
      ...guard('remediation.read'),
      request: { query: ListQuery },
      responses: { 200: json(page(RemediationSchema), 'Actions'), ...errorResponses },
    }),
    async (c) => c.json(await listRemediations({ ctx: requireCtx(c), input: c.req.valid('query') }), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/actions/{id}',
      tags: ['remediation'],
      summary: 'One action',
      ...guard('remediation.read'),
      request: { params: IdParam },
      responses: { 200: json(RemediationSchema, 'The action'), ...errorResponses },
    }),
    async (c) => c.json(await getRemediation({ ctx: requireCtx(c), id: c.req.valid('param').id }), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/actions/{id}/undo',
      tags: ['remediation'],
      summary:
        'Undo a succeeded action (unblock the user, enable the rule, restore the forwarding, enable the app): a new action that puts the recorded state back',
      ...guard('remediation.request'),
      request: { params: IdParam },
      responses: { 201: json(RemediationSchema, 'The undo, queued'), 409: errorResponse('Cannot be undone'), ...errorResponses },
    }),
    async (c) => c.json(await undoRemediation({ ctx: requireCtx(c), id: c.req.valid('param').id, queue: queueOf(c) }), 201),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/actions/{id}/temporary-password',
      tags: ['remediation'],
      summary: 'The temporary password a reset set: for its requester, once (it is deleted as it is read)',
      ...guard('remediation.request'),
      request: { params: IdParam },
      responses: { 200: json(z.object({ temporaryPassword: z.string() }).openapi('TemporaryPassword'), 'The password'), ...errorResponses },
    }),
    async (c) => c.json(await revealTemporaryPassword({ ctx: requireCtx(c), id: c.req.valid('param').id }), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/remediation-policies',
      tags: ['remediation'],
      summary:
        'Which actions need approval, MSP-wide or for one tenant (`tenant`), with where each setting comes from and a warning where approval is off for an access-restricting action',
      ...guard('remediation.read'),
      request: { query: z.object({ tenant: z.string().optional() }) },
      responses: { 200: json(z.object({ items: z.array(PolicySchema) }), 'Policies'), ...errorResponses },
    }),
    async (c) => {
      const { tenant } = c.req.valid('query');
      return c.json(await listRemediationPolicies({ ctx: requireCtx(c), input: tenant ? { tenantId: tenant } : {} }), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/remediation-policies',
      tags: ['remediation'],
      summary:
        'Set whether an action needs approval (admins and owners), MSP-wide (`tenantId` null) or for one tenant; `requireApproval: null` removes the setting',
      ...guard('remediation.policy'),
      request: { body: { content: { 'application/json': { schema: setPolicyInput.extend({}).openapi('RemediationPolicyInput') } }, required: true } },
      responses: { 200: json(PolicySchema, 'The policy now in force'), ...errorResponses },
    }),
    async (c) => c.json(await setRemediationPolicy({ ctx: requireCtx(c), input: c.req.valid('json') }), 200),
  );
