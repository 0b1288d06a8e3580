import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { EVENT_STATUSES, SEVERITIES } from '../../../db/schema/index.ts';
import { createWhitelistRule } from '../../core/whitelist/create-whitelist-rule.ts';
import { deleteWhitelistRule } from '../../core/whitelist/delete-whitelist-rule.ts';
import { dryRunWhitelistRule } from '../../core/whitelist/dry-run-whitelist-rule.ts';
import { getWhitelistRule, listWhitelistRules } from '../../core/whitelist/list-whitelist-rules.ts';
import { updateWhitelistRule } from '../../core/whitelist/update-whitelist-rule.ts';
import { createWhitelistRuleInput, dryRunWhitelistRuleInput, updateWhitelistRuleInput } from '../../core/whitelist/whitelist-input.ts';
import { guard, requireCtx } from '../auth/middleware.ts';
import { errorResponses, IdParam, json, jsonBody, page, pageQuery } from '../schemas.ts';
import type { AppEnv } from '../types.ts';

const RuleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    expression: z.string().openapi({ example: "Event.Detection = 'M365.AzureAD.NewCountrySignIn' AND Event.UserName = 'megan@contoso.com'" }),
    description: z.string().nullable().openapi({ description: 'The expression in plain words' }),
    reason: z.string(),
    tenantId: z.string().nullable().openapi({ description: 'Null: every tenant of the MSP' }),
    tenantName: z.string().nullable(),
    createdBy: z.object({ id: z.string(), name: z.string(), email: z.string() }).nullable(),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    expired: z.boolean(),
    enabled: z.boolean(),
    hits: z.number().openapi({ description: 'Events this rule has ignored' }),
  })
  .openapi('WhitelistRule');

const DryRunSchema = z
  .object({
    expression: z.string(),
    days: z.number(),
    count: z.number(),
    counts: z.record(z.string(), z.number()),
    items: z.array(
      z.object({
        id: z.string(),
        tenantId: z.string(),
        tenantName: z.string(),
        detectionId: z.string(),
        title: z.string(),
        severity: z.enum(SEVERITIES),
        status: z.enum(EVENT_STATUSES),
        userName: z.string().nullable(),
        networkAddress: z.string().nullable(),
        lastSeenAt: z.string(),
      }),
    ),
  })
  .openapi('WhitelistDryRun');

export const whitelistRuleRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/whitelist-rules',
      tags: ['rules'],
      summary: 'Whitelist (ignore) rules of the MSP, newest first',
      ...guard('whitelist.read'),
      request: { query: pageQuery },
      responses: { 200: json(page(RuleSchema), 'A page of rules'), ...errorResponses },
    }),
    async (c) => c.json(await listWhitelistRules({ ctx: requireCtx(c), input: c.req.valid('query') }), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/whitelist-rules',
      tags: ['rules'],
      summary: "Create a rule from a typed expression or from an event's criteria (each a value or Any); a reason is required",
      ...guard('whitelist.write'),
      request: jsonBody(createWhitelistRuleInput.openapi('CreateWhitelistRule')),
      responses: { 201: json(RuleSchema, 'Created'), ...errorResponses },
    }),
    async (c) => c.json(await createWhitelistRule({ ctx: requireCtx(c), input: c.req.valid('json') }), 201),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/whitelist-rules/dry-run',
      tags: ['rules'],
      summary: 'What a rule would have ignored in the last 30 days (count and the newest events); the body of create, nothing stored',
      ...guard('whitelist.write'),
      request: jsonBody(dryRunWhitelistRuleInput.openapi('DryRunWhitelistRule')),
      responses: { 200: json(DryRunSchema, 'The events the rule matches'), ...errorResponses },
    }),
    async (c) => c.json(await dryRunWhitelistRule({ ctx: requireCtx(c), input: c.req.valid('json') }), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/whitelist-rules/{id}',
      tags: ['rules'],
      summary: 'One whitelist rule',
      ...guard('whitelist.read'),
      request: { params: IdParam },
      responses: { 200: json(RuleSchema, 'The rule'), ...errorResponses },
    }),
    async (c) => c.json(await getWhitelistRule({ ctx: requireCtx(c), id: c.req.valid('param').id }), 200),
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/whitelist-rules/{id}',
      tags: ['rules'],
      summary: 'Change a rule: name, reason, expression, tenant scope, expiry, enabled',
      ...guard('whitelist.write'),
      request: {
        params: IdParam,
        body: { content: { 'application/json': { schema: updateWhitelistRuleInput.openapi('UpdateWhitelistRule') } }, required: false },
      },
      responses: { 200: json(RuleSchema, 'The rule'), ...errorResponses },
    }),
    async (c) => c.json(await updateWhitelistRule({ ctx: requireCtx(c), id: c.req.valid('param').id, input: c.req.valid('json') }), 200),
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/whitelist-rules/{id}',
      tags: ['rules'],
      summary: 'Delete a rule; the events it ignored stay ignored',
      ...guard('whitelist.write'),
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses },
    }),
    async (c) => {
      await deleteWhitelistRule({ ctx: requireCtx(c), id: c.req.valid('param').id });
      return c.body(null, 204);
    },
  );
