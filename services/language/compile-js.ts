import type { FilterNode, OrderOperator, Test, TimeValue } from './check.ts';
import type { EntitySnapshot, EventColumn, FieldDefinition, FilterableEvent } from './fields.ts';
import { compileLikeMatcher, mapLikeText } from './like.ts';
import { foldAscii } from './text.ts';

/**
 * The JavaScript compiler: a tree of closures built once per filter, cheap per event.
 *
 * Logic is SQL's three-valued logic (true, false, unknown = null), so the stream and the Report
 * table agree: a comparison with a missing value is unknown, NOT unknown is unknown, and only
 * true selects. A field with several values (entity fields, list fields) holds the set of its
 * known values: a comparison is true when any value passes, false when values exist and none
 * passes, unknown when there is none.
 */

export type PredicateOptions = {
  /** The clock for `NOW` (milliseconds since the epoch); read once per evaluation. */
  now?: () => number;
};

type Kleene = boolean | null;
type Node = (event: FilterableEvent, now: number) => Kleene;
type Scalar = string | number | boolean;
/** A test on one known value; `now` is only read by relative times. */
type ValueTest = (value: Scalar, now: number) => boolean;

/**
 * Compiles a checked filter to a predicate over in-memory events.
 * @example
 * const matches = compileToPredicate(parseFilter("Event.Severity >= 'high'"));
 * matches({ severity: 'critical' }); // true
 */
export function compileNodeToPredicate(root: FilterNode, options: PredicateOptions = {}): (event: FilterableEvent) => boolean {
  const node = compileNode(root);
  const clock = options.now ?? Date.now;
  if (!usesNow(root)) return (event) => node(event, 0) === true;
  return (event) => node(event, clock()) === true;
}

function compileNode(node: FilterNode): Node {
  switch (node.kind) {
    case 'and': {
      const items = node.items.map(compileNode);
      return (event, now) => {
        let result: Kleene = true;
        for (const item of items) {
          const r = item(event, now);
          if (r === false) return false;
          if (r === null) result = null;
        }
        return result;
      };
    }
    case 'or': {
      const items = node.items.map(compileNode);
      return (event, now) => {
        let result: Kleene = false;
        for (const item of items) {
          const r = item(event, now);
          if (r === true) return true;
          if (r === null) result = null;
        }
        return result;
      };
    }
    case 'not': {
      const operand = compileNode(node.operand);
      return (event, now) => {
        const r = operand(event, now);
        return r === null ? null : !r;
      };
    }
    case 'condition': {
      const condition = compileCondition(node.field, node.test);
      if (!node.negated) return condition;
      return (event, now) => {
        const r = condition(event, now);
        return r === null ? null : !r;
      };
    }
  }
}

function compileCondition(field: FieldDefinition, test: Test): Node {
  const source = field.source;
  if (source.from === 'entity-key' || source.from === 'entity-snapshot' || field.type === 'string[]') {
    const scan = compileMultiScan(field);
    if (test.kind === 'is-null') return (event) => scan(event, ANY_VALUE, 0) === null;
    const check = compileValueTest(test);
    return (event, now) => scan(event, check, now);
  }
  const get = compileScalarGetter(field);
  if (test.kind === 'is-null') return (event) => get(event) === null;
  const check = compileValueTest(test);
  return (event, now) => {
    const value = get(event);
    return value === null ? null : check(value, now);
  };
}

function compileValueTest(test: Exclude<Test, { kind: 'is-null' }>): ValueTest {
  switch (test.kind) {
    case 'text-in': {
      const folded = test.values.map(foldAscii);
      if (folded.length === 1) {
        const only = folded[0] as string;
        return (value) => foldAscii(value as string) === only;
      }
      const set = new Set(folded);
      return (value) => set.has(foldAscii(value as string));
    }
    case 'enum-in': {
      // Enum columns hold canonical values, so membership is exact, as `IN` is in SQL.
      const set: ReadonlySet<string> = new Set(test.values);
      return (value) => set.has(value as string);
    }
    case 'like': {
      const matcher = compileLikeMatcher(mapLikeText(test.pattern, foldAscii));
      return (value) => matcher(foldAscii(value as string));
    }
    case 'contains': {
      const needle = foldAscii(test.needle);
      return (value) => foldAscii(value as string).includes(needle);
    }
    case 'number-in': {
      if (test.values.length === 1) {
        const only = test.values[0] as number;
        return (value) => (value as number) === only;
      }
      const set: ReadonlySet<number> = new Set(test.values);
      return (value) => set.has(value as number);
    }
    case 'number-order':
      return orderTest(test.operator, () => test.value);
    case 'boolean': {
      const expected = test.value;
      return (value) => value === expected;
    }
    case 'time-equals': {
      const at = timeResolver(test.value);
      return (value, now) => (value as number) === at(now);
    }
    case 'time-order': {
      const at = timeResolver(test.value);
      return orderTest(test.operator, at);
    }
  }
}

function orderTest(operator: OrderOperator, bound: (now: number) => number): ValueTest {
  switch (operator) {
    case '<':
      return (value, now) => (value as number) < bound(now);
    case '<=':
      return (value, now) => (value as number) <= bound(now);
    case '>':
      return (value, now) => (value as number) > bound(now);
    case '>=':
      return (value, now) => (value as number) >= bound(now);
  }
}

function timeResolver(value: TimeValue): (now: number) => number {
  if (value.kind === 'instant') {
    const ms = value.ms;
    return () => ms;
  }
  const offset = value.offsetMs;
  return (now) => now + offset;
}

/**
 * Reads a scalar field with its type enforced: a value of another type reads as missing, as the
 * SQL side does with `jsonb_typeof`. Datetimes read as epoch milliseconds.
 */
function compileScalarGetter(field: FieldDefinition): (event: FilterableEvent) => Scalar | null {
  const guard = typeGuard(field);
  const source = field.source;
  switch (source.from) {
    case 'column': {
      const column: EventColumn = source.column;
      return (event) => guard(event[column]);
    }
    case 'event-fields': {
      const key = source.key;
      return (event) => {
        const fields = event.fields;
        return fields && Object.hasOwn(fields, key) ? guard(fields[key]) : null;
      };
    }
    case 'tenant-name':
      return (event) => guard(event.tenantName);
    default:
      throw new Error(`${field.name} has several values`);
  }
}

/** Passes for every known value: with it a scan tells whether there is any. */
const ANY_VALUE: ValueTest = () => true;

/**
 * Scans the known values of a multi-valued field (every entity of the kind, every list element)
 * without building an array: true as soon as one passes `check`, false when values exist and none
 * passes, null when there is no known value.
 */
type Scan = (event: FilterableEvent, check: ValueTest, now: number) => Kleene;

function compileMultiScan(field: FieldDefinition): Scan {
  const guard = field.type === 'string[]' ? stringGuard : typeGuard(field);
  const isList = field.type === 'string[]';
  /** 1: a value passed; 0: known values, none passed; -1: no known value. */
  const visit = (raw: unknown, check: ValueTest, now: number): 1 | 0 | -1 => {
    if (!isList) {
      const v = guard(raw);
      return v === null ? -1 : check(v, now) ? 1 : 0;
    }
    if (!Array.isArray(raw)) return -1;
    let seen: 0 | -1 = -1;
    for (const item of raw as unknown[]) {
      const v = guard(item);
      if (v === null) continue;
      if (check(v, now)) return 1;
      seen = 0;
    }
    return seen;
  };
  const verdict = (seen: 0 | -1): Kleene => (seen === 0 ? false : null);
  const source = field.source;
  switch (source.from) {
    case 'column': {
      const column: EventColumn = source.column;
      return (event, check, now) => {
        const r = visit(event[column], check, now);
        return r === 1 ? true : verdict(r);
      };
    }
    case 'event-fields': {
      const key = source.key;
      return (event, check, now) => {
        const fields = event.fields;
        if (!fields || !Object.hasOwn(fields, key)) return null;
        const r = visit(fields[key], check, now);
        return r === 1 ? true : verdict(r);
      };
    }
    case 'entity-key': {
      const kind = source.entity;
      return (event, check, now) => {
        let seen: 0 | -1 = -1;
        for (const entity of entitiesOf(event, kind)) {
          const r = visit(entity.key, check, now);
          if (r === 1) return true;
          if (r === 0) seen = 0;
        }
        return verdict(seen);
      };
    }
    case 'entity-snapshot': {
      const { entity: kind, key } = source;
      const path = key.split('.');
      return (event, check, now) => {
        let seen: 0 | -1 = -1;
        for (const entity of entitiesOf(event, kind)) {
          // A member, or the member at a dotted path (`location.countryCode`); absent is no value.
          let value: unknown = entity.snapshot;
          for (const step of path) {
            value =
              value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, step)
                ? (value as Record<string, unknown>)[step]
                : undefined;
            if (value === undefined) break;
          }
          if (value === undefined) continue;
          const r = visit(value, check, now);
          if (r === 1) return true;
          if (r === 0) seen = 0;
        }
        return verdict(seen);
      };
    }
    case 'tenant-name':
      return (event, check, now) => {
        const r = visit(event.tenantName, check, now);
        return r === 1 ? true : verdict(r);
      };
  }
}

const NO_ENTITIES: readonly EntitySnapshot[] = [];
function entitiesOf(event: FilterableEvent, kind: 'user' | 'app' | 'ip'): readonly EntitySnapshot[] {
  return event.entities?.[kind] ?? NO_ENTITIES;
}

const stringGuard = (v: unknown): Scalar | null => (typeof v === 'string' ? v : null);
const numberGuard = (v: unknown): Scalar | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const booleanGuard = (v: unknown): Scalar | null => (typeof v === 'boolean' ? v : null);
const timeGuard = (v: unknown): Scalar | null => {
  if (!(v instanceof Date)) return null;
  const ms = v.getTime();
  return Number.isNaN(ms) ? null : ms;
};

function typeGuard(field: FieldDefinition): (v: unknown) => Scalar | null {
  switch (field.type) {
    case 'string':
    case 'string[]':
      return stringGuard;
    case 'number':
      return numberGuard;
    case 'boolean':
      return booleanGuard;
    case 'datetime':
      return timeGuard;
  }
}

function usesNow(node: FilterNode): boolean {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.items.some(usesNow);
    case 'not':
      return usesNow(node.operand);
    case 'condition':
      return (node.test.kind === 'time-equals' || node.test.kind === 'time-order') && node.test.value.kind === 'relative';
  }
}
