import { FIELDS, findField, type FilterableEvent } from '../language/index.ts';
import { eventLookup, messageOnlyField } from './event-lookup.ts';

/** A field's value as stored in an outbox row: JSON, so datetimes are ISO 8601 text. */
export type FieldValue = string | number | boolean | (string | number | boolean)[] | null;

/**
 * Every field of the language with its value for one event (read by `eventLookup`, as the
 * filter language reads it), keyed by the field's name: what `{Event.Field}` placeholders read.
 * Frozen into the outbox row, so a message says what was true when the event matched.
 * @example eventValues({ userName: 'megan@contoso.com' })['Event.UserName'] // 'megan@contoso.com'
 */
export function eventValues(event: FilterableEvent): Record<string, FieldValue> {
  const lookup = eventLookup(event);
  const out: Record<string, FieldValue> = {};
  for (const field of FIELDS) {
    const v = toJson(lookup(field.name));
    if (v !== null) out[field.name] = v;
  }
  return out;
}

/** A placeholder lookup over stored values; names are case-insensitive, as in the language. */
export function valuesLookup(values: Readonly<Record<string, unknown>>): (field: string) => unknown {
  return (name) => {
    const canonical = findField(name)?.name ?? messageOnlyField(name);
    return canonical && Object.hasOwn(values, canonical) ? values[canonical] : undefined;
  };
}

function scalar(value: unknown): string | number | boolean | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  return null;
}

function toJson(value: unknown): FieldValue {
  if (Array.isArray(value)) {
    const items = value.map(scalar).filter((v): v is string | number | boolean => v !== null);
    return items.length ? items : null;
  }
  return scalar(value);
}
