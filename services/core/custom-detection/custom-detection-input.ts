import { z } from 'zod';
import { CUSTOM_DETECTION_DEDUP, SEVERITIES } from '../../../db/schema/index.ts';
import { checkCustomExpression } from '../../detection/custom.ts';
import type { ParsedFilter } from '../../language/index.ts';
import { ValidationError } from '../../errors.ts';

/** MITRE ATT&CK tactic and technique, the form the built-in detections use. */
const mitreId = z
  .string()
  .trim()
  .regex(/^TA\d{4}:T\d{4}(\.\d{3})?$/, "expected a MITRE ATT&CK tactic and technique such as 'TA0006:T1110' or 'TA0009:T1114.003'");

const fields = {
  /** Null or absent: every tenant of the MSP. */
  tenantId: z.uuid({ message: "expected a tenant's id, or null for every tenant" }).nullable(),
  title: z.string().trim().min(1, 'expected a title').max(200),
  description: z.string().trim().max(4000),
  expression: z.string().min(1, 'expected an expression').max(10_000),
  severity: z.enum(SEVERITIES),
  mitre: z.array(mitreId).max(20),
  howToReact: z.string().trim().max(10_000),
  /** At most a week: a longer window would hide a new attack behind last week's event. */
  dedupMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60),
  dedupBy: z.enum(CUSTOM_DETECTION_DEDUP),
  enabled: z.boolean(),
};

export const createCustomDetectionInput = z.object({
  ...fields,
  tenantId: fields.tenantId.default(null),
  description: fields.description.default(''),
  mitre: fields.mitre.default([]),
  howToReact: fields.howToReact.default(''),
  dedupMinutes: fields.dedupMinutes.default(60),
  dedupBy: fields.dedupBy.default('user'),
  enabled: fields.enabled.default(true),
});
export type CreateCustomDetectionInput = z.input<typeof createCustomDetectionInput>;

/** Any subset of the fields; what is absent stays as it is. */
export const updateCustomDetectionInput = z.object(fields).partial();
export type UpdateCustomDetectionInput = z.input<typeof updateCustomDetectionInput>;

/**
 * The expression checked for a custom detection, or a 400 listing every problem with its line
 * and column (syntax, unknown fields, types, fields an activity record does not carry).
 */
export function parseCustomExpression(expression: string): ParsedFilter {
  const checked = checkCustomExpression(expression);
  if (checked.ok) return checked.filter;
  throw new ValidationError(
    `The expression is not valid: ${checked.errors[0]!.message}`,
    checked.errors.map((e) => ({
      path: 'expression',
      message: e.message,
      line: e.line,
      column: e.column,
      offset: e.offset,
      length: e.length,
      excerpt: e.excerpt,
    })),
  );
}
