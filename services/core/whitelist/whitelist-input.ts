import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../../db/client.ts';
import { tenant } from '../../../db/schema/index.ts';
import { ValidationError } from '../../errors.ts';
import type { Ctx } from '../context.ts';
import { parseFilterInput } from '../event/filter-expression.ts';
import { criteriaExpression } from './rule-expression.ts';

const value = (max: number) => z.string().trim().min(1).max(max).nullable().optional();

/** "Create rule from this event": each criterion is a concrete value, or null / absent for Any. */
export const ruleCriteriaInput = z.object({
  detectionId: value(200),
  userName: value(320),
  ipAddress: value(64),
  countryCode: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}$/, 'expected a two-letter country code')
    .transform((v) => v.toUpperCase())
    .nullable()
    .optional(),
  appId: value(200),
});

const expiresAt = z.iso.datetime({ offset: true, message: 'expected an ISO 8601 date-time' }).nullable().optional();

const ruleFields = {
  name: z.string().trim().min(1).max(200).optional(),
  /** Why these events are safe to ignore; shown on every event the rule ignores. */
  reason: z.string().trim().min(1, 'say why these events are safe to ignore').max(2000),
  /** A filter-language expression; or give `criteria` instead. */
  expression: z.string().trim().min(1).max(10_000).optional(),
  criteria: ruleCriteriaInput.optional(),
  /** The event the rule was made from, recorded in the audit log. */
  eventId: z.uuid().optional(),
  /** Null or absent: every tenant of the MSP. */
  tenantId: z.uuid().nullable().optional(),
  expiresAt,
  enabled: z.boolean().default(true),
  /** Also ignore the open events the rule matches now. */
  applyToExisting: z.boolean().default(false),
};

export const createWhitelistRuleInput = z.object(ruleFields);
export type CreateWhitelistRuleInput = z.input<typeof createWhitelistRuleInput>;

/** The same body as create; nothing is stored, so the reason may still be missing. */
export const dryRunWhitelistRuleInput = z.object({ ...ruleFields, reason: ruleFields.reason.optional(), limit: z.number().int().min(1).max(200).default(50) });
export type DryRunWhitelistRuleInput = z.input<typeof dryRunWhitelistRuleInput>;

export const updateWhitelistRuleInput = z.object({
  name: ruleFields.name,
  reason: ruleFields.reason.optional(),
  expression: ruleFields.expression,
  tenantId: ruleFields.tenantId,
  expiresAt,
  enabled: z.boolean().optional(),
});
export type UpdateWhitelistRuleInput = z.input<typeof updateWhitelistRuleInput>;

/**
 * The rule's expression, checked by the language (unknown fields and type errors are 400s with
 * their position), from the typed expression or built from the criteria.
 */
export function resolveExpression(input: { expression?: string | undefined; criteria?: z.output<typeof ruleCriteriaInput> | undefined }): string {
  if (input.expression !== undefined && input.criteria !== undefined) {
    throw new ValidationError('Give either an expression or criteria, not both.', [{ path: 'expression', message: 'both given' }]);
  }
  const expression = input.expression ?? (input.criteria ? criteriaExpression(input.criteria) : null);
  if (!expression) {
    throw new ValidationError('A rule needs at least one condition: type an expression, or keep at least one criterion of the event (not every one Any).', [
      { path: input.criteria ? 'criteria' : 'expression', message: 'required' },
    ]);
  }
  parseFilterInput(expression, 'expression');
  return expression;
}

/** A tenant scope must be one of the MSP's tenants. */
export async function checkTenantScope(db: DbOrTx, ctx: Pick<Ctx, 'msp'>, tenantId: string | null | undefined): Promise<void> {
  if (!tenantId) return;
  const [found] = await db
    .select({ id: tenant.id })
    .from(tenant)
    .where(and(eq(tenant.id, tenantId), eq(tenant.mspId, ctx.msp)))
    .limit(1);
  if (!found) throw new ValidationError('No such tenant.', [{ path: 'tenantId', message: 'not one of your tenants' }]);
}

export function parseExpiry(value: string | null | undefined, now = new Date()): Date | null | undefined {
  if (value === undefined || value === null) return value;
  const at = new Date(value);
  if (at <= now) throw new ValidationError('The expiry is in the past.', [{ path: 'expiresAt', message: 'in the past' }]);
  return at;
}
