/**
 * Pieces several snapshot schemas share: any JSON value (for parts kept as Microsoft gave
 * them), a part that could not be read, and a rule described in plain words. The snapshot
 * schemas (`<kind>-snapshot.ts`) are the one description of what enrichment records: the
 * TypeScript types are inferred from them and the API publishes them in its OpenAPI document.
 */
import { z } from 'zod';
import { UNAVAILABLE_REASONS, type JsonValue } from './types.ts';

/** Any JSON value; recursive, so the OpenAPI document names it once (`JsonValue`). */
export const jsonValueSchema: z.ZodType<JsonValue> = z
  .lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValueSchema), z.record(z.string(), jsonValueSchema)]))
  .meta({ id: 'JsonValue', description: 'Any JSON value' });

export const jsonObjectSchema = z.record(z.string(), jsonValueSchema);

export const missingPartSchema = z
  .object({
    part: z.string().meta({ description: 'The snapshot part that could not be read, e.g. `mfa`' }),
    reason: z.enum(UNAVAILABLE_REASONS),
    message: z.string(),
  })
  .meta({ id: 'SnapshotMissingPart', description: 'A part of a snapshot that could not be read while the rest could' });

/** Our words (`text`) or a value taken from the rule (`value`, attacker-written: render as text). */
export const segmentSchema = z.union([z.object({ text: z.string() }), z.object({ value: z.string() })]);

export const clauseSchema = z
  .object({
    kind: z.enum(['condition', 'exception', 'action']),
    segments: z.array(segmentSchema),
  })
  .meta({ id: 'RuleClause' });

export const ruleDescriptionSchema = z
  .object({
    conditions: z.array(clauseSchema),
    exceptions: z.array(clauseSchema),
    actions: z.array(clauseSchema),
    sentence: z.string().meta({ description: 'One line of plain text: "If …: …, …."' }),
  })
  .meta({ id: 'RuleDescription', description: 'A rule in plain words, its values kept apart from our words' });

/**
 * A named schema or null. The OpenAPI generator drops the null from `.nullable()` on a named
 * schema and leaves a bare `$ref`; a union keeps it (`anyOf: [$ref, null]`).
 */
export const nullableNamed = <T extends z.ZodType>(schema: T) => z.union([schema, z.null()]);

/** `enabled` or `disabled`, as most entities report their state. */
export const enabledStatusSchema = z.enum(['enabled', 'disabled']);

/**
 * True when A and B are the same type (not merely assignable both ways), for compile-time
 * checks that a schema still describes a type kept elsewhere.
 */
export type SameType<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
