import { sql, type SQL } from 'drizzle-orm';
import { eventEntity, securityEvent } from '../../db/schema/event.ts';
import { tenant } from '../../db/schema/tenant.ts';
import type { FilterNode, OrderOperator, Test, TimeValue } from './check.ts';
import { isMultiValued, type EventColumn, type FieldDefinition, type FieldSource } from './fields.ts';
import { likePatternToSql, mapLikeText } from './like.ts';
import { foldAscii } from './text.ts';

/**
 * The SQL compiler: a Drizzle `SQL` fragment over `security_event`, for
 * `db.select().from(securityEvent).where(fragment)`. Every value from the expression is a bound
 * parameter; identifiers come only from the schema objects the registry names.
 *
 * It keeps the JS compiler's semantics (see compile-js.ts):
 * - text compares with `lower(x COLLATE "C")`, which folds exactly A–Z, like `foldAscii`;
 * - a value of the wrong JSON type reads as NULL (`jsonb_typeof` guards), so a cast never fails;
 * - numbers compare as float8 (JavaScript numbers); literals are sent as the shortest text of the
 *   same double, so `0.30000000000000001` means what it means in JavaScript;
 * - multi-valued fields (entities, lists) use existence subqueries. A comparison on them is unknown
 *   when there is no known value; instead of computing that third value we use the polarity of
 *   the position: where an unknown would end up as "not selected" (under an even number of
 *   NOTs) it is compiled as false, elsewhere as true. Kleene logic guarantees the result is the
 *   same, and each subquery probes only the event's own rows (see `exists`).
 */

export type SqlOptions = {
  /** The instant `NOW` stands for; defaults to the time of compilation. */
  now?: Date;
};

/**
 * Compiles a checked filter to a WHERE fragment.
 * @example
 * const where = compileToSql(parseFilter("IP.CountryCode IN ('NG', 'RU')"));
 * await db.select().from(securityEvent).where(and(eq(securityEvent.mspId, mspId), where));
 */
export function compileNodeToSql(root: FilterNode, options: SqlOptions = {}): SQL {
  const now = (options.now ?? new Date()).getTime();
  return sql`(${compileNode(root, true, now)})`;
}

const COLUMNS: Record<EventColumn, SQL> = {
  id: sql`${securityEvent.id}::text`,
  tenantId: sql`${securityEvent.tenantId}::text`,
  detectionId: sql`${securityEvent.detectionId}`,
  title: sql`${securityEvent.title}`,
  description: sql`${securityEvent.description}`,
  severity: sql`${securityEvent.severity}`,
  status: sql`${securityEvent.status}`,
  eventType: sql`${securityEvent.eventType}`,
  operationResult: sql`${securityEvent.operationResult}`,
  userName: sql`${securityEvent.userName}`,
  networkAddress: sql`${securityEvent.networkAddress}`,
  workload: sql`${securityEvent.workload}`,
  operation: sql`${securityEvent.operation}`,
  mitre: sql`${securityEvent.mitre}`,
  count: sql`${securityEvent.count}`,
  firstSeenAt: sql`${securityEvent.firstSeenAt}`,
  lastSeenAt: sql`${securityEvent.lastSeenAt}`,
  createdAt: sql`${securityEvent.createdAt}`,
};

/** `positive`: an unknown here may be read as false (true under an odd number of NOTs). */
function compileNode(node: FilterNode, positive: boolean, now: number): SQL {
  switch (node.kind) {
    case 'and':
    case 'or':
      return sql.join(
        node.items.map((item) => sql`(${compileNode(item, positive, now)})`),
        node.kind === 'and' ? sql` AND ` : sql` OR `,
      );
    case 'not':
      return sql`NOT (${compileNode(node.operand, !positive, now)})`;
    case 'condition': {
      if (node.negated) return sql`NOT (${compileCondition(node.field, node.test, !positive, now)})`;
      return compileCondition(node.field, node.test, positive, now);
    }
  }
}

function compileCondition(field: FieldDefinition, test: Test, positive: boolean, now: number): SQL {
  if (isMultiValued(field)) {
    const rows = multiValueRows(field);
    const known = exists(sql`SELECT true FROM ${rows.from} WHERE ${rows.where} AND ${rows.value} IS NOT NULL LIMIT 1`);
    if (test.kind === 'is-null') return sql`NOT ${known}`;
    const satisfied = exists(
      sql`SELECT true FROM ${rows.from} WHERE ${rows.where} AND ${rows.value} IS NOT NULL AND ${valueTest(rows.value, test, now)} LIMIT 1`,
    );
    // No known value means unknown: false where that is what unknown amounts to, else true.
    return positive ? satisfied : sql`(${satisfied} OR NOT ${known})`;
  }
  const value = scalarValue(field);
  if (test.kind === 'is-null') return sql`${value} IS NULL`;
  if (test.kind === 'enum-in' && test.values.length === 0) {
    // An empty set (`Severity > 'critical'`): false for a value, unknown for a missing one.
    return sql`(CASE WHEN ${value} IS NULL THEN NULL ELSE false END)`;
  }
  if (test.kind === 'enum-in' && field.source.from === 'column') {
    // Untyped parameters take the enum column's type, so the severity/status indexes apply;
    // the checker has made every value a valid label, so the cast cannot fail.
    return sql`${value} IN (${sql.join(
      test.values.map((v) => sql`${v}`),
      sql`, `,
    )})`;
  }
  return valueTest(value, test, now);
}

/**
 * EXISTS written as a scalar subquery: the same truth value, but Postgres probes the event's own
 * rows through the (event_id, kind, key) index instead of turning an EXISTS under OR into a hashed
 * subplan that reads every entity of every MSP before the first row of a page.
 */
function exists(query: SQL): SQL {
  return sql`COALESCE((${query}), false)`;
}

/** The scalar value of a field, typed, NULL when missing or of another JSON type. */
function scalarValue(field: FieldDefinition): SQL {
  const source = field.source;
  switch (source.from) {
    case 'column':
      return COLUMNS[source.column];
    case 'event-fields':
      return typedJson(sql`${securityEvent.fields}`, source.key, field);
    case 'tenant-name':
      return sql`(SELECT ${tenant.name} FROM ${tenant} WHERE ${tenant.id} = ${securityEvent.tenantId})`;
    default:
      throw new Error(`${field.name} has several values`);
  }
}

/** Rows of a multi-valued field: `value` is NULL for an unknown one. */
function multiValueRows(field: FieldDefinition): { from: SQL; where: SQL; value: SQL } {
  const source: FieldSource = field.source;
  const element = sql.raw('tw_element.value');
  const stringElement = sql.raw(`(CASE WHEN jsonb_typeof(tw_element.value) = 'string' THEN tw_element.value #>> '{}' END)`);
  switch (source.from) {
    case 'column':
      // text[] column: one row per element.
      return { from: sql`unnest(${COLUMNS[source.column]}) AS tw_element(value)`, where: sql`true`, value: element };
    case 'event-fields':
      return {
        from: sql`jsonb_array_elements(${jsonArray(sql`${securityEvent.fields}`, source.key)}) AS tw_element(value)`,
        where: sql`true`,
        value: stringElement,
      };
    case 'entity-key':
      return { from: sql`${eventEntity}`, where: entityOf(source.entity), value: sql`${eventEntity.key}` };
    case 'entity-snapshot':
      if (field.type === 'string[]') {
        return {
          from: sql`${eventEntity} CROSS JOIN LATERAL jsonb_array_elements(${jsonArray(sql`${eventEntity.snapshot}`, source.key)}) AS tw_element(value)`,
          where: entityOf(source.entity),
          value: stringElement,
        };
      }
      return { from: sql`${eventEntity}`, where: entityOf(source.entity), value: typedJson(sql`${eventEntity.snapshot}`, source.key, field) };
    case 'tenant-name':
      throw new Error(`${field.name} has one value`);
  }
}

function entityOf(kind: string): SQL {
  return sql`${eventEntity.eventId} = ${securityEvent.id} AND ${eventEntity.kind} = ${kind}`;
}

/** A jsonb member as SQL of the field's type, NULL when absent or of another JSON type. */
/** A snapshot's member, or the member at a dotted path (`location.countryCode`). */
function jsonMember(object: SQL, key: string): SQL {
  const path = key.split('.');
  if (path.length === 1) return sql`(${object} -> ${key}::text)`;
  return sql`(${object} #> ${`{${path.join(',')}}`}::text[])`;
}

function typedJson(object: SQL, key: string, field: FieldDefinition): SQL {
  const member = jsonMember(object, key);
  switch (field.type) {
    case 'string':
      return sql`(CASE WHEN jsonb_typeof(${member}) = 'string' THEN ${member} #>> '{}' END)`;
    case 'number':
      return sql`(CASE WHEN jsonb_typeof(${member}) = 'number' THEN (${member} #>> '{}')::float8 END)`;
    case 'boolean':
      return sql`(CASE WHEN jsonb_typeof(${member}) = 'boolean' THEN (${member} #>> '{}')::boolean END)`;
    default:
      // Dates in jsonb are not offered: a malformed one would make the cast fail the whole query.
      throw new Error(`${field.name}: ${field.type} values are not read from jsonb`);
  }
}

/** A jsonb member when it is an array, else an empty array, so `jsonb_array_elements` never fails. */
function jsonArray(object: SQL, key: string): SQL {
  const member = jsonMember(object, key);
  return sql`(CASE WHEN jsonb_typeof(${member}) = 'array' THEN ${member} ELSE '[]'::jsonb END)`;
}

function folded(value: SQL): SQL {
  return sql`lower((${value})::text COLLATE "C")`;
}

function valueTest(value: SQL, test: Exclude<Test, { kind: 'is-null' }>, now: number): SQL {
  switch (test.kind) {
    case 'text-in': {
      const values = test.values.map(foldAscii);
      if (values.length === 1) return sql`${folded(value)} = ${values[0]}::text`;
      return sql`${folded(value)} IN (${sql.join(
        values.map((v) => sql`${v}::text`),
        sql`, `,
      )})`;
    }
    case 'enum-in':
      // Canonical enum labels, checked by the checker; compared as text so any source works.
      if (test.values.length === 0) return sql`false`;
      return sql`(${value})::text IN (${sql.join(
        test.values.map((v) => sql`${v}::text`),
        sql`, `,
      )})`;
    case 'like':
      return sql`${folded(value)} LIKE ${likePatternToSql(mapLikeText(test.pattern, foldAscii))}::text ESCAPE '\\'`;
    case 'contains':
      return sql`strpos(${folded(value)}, ${foldAscii(test.needle)}::text) > 0`;
    case 'number-in': {
      const numbers = test.values.map((v) => sql`${numberParam(v)}::float8`);
      if (numbers.length === 1) return sql`(${value})::float8 = ${numbers[0]}`;
      return sql`(${value})::float8 IN (${sql.join(numbers, sql`, `)})`;
    }
    case 'number-order':
      return sql`(${value})::float8 ${orderOperator(test.operator)} ${numberParam(test.value)}::float8`;
    case 'boolean':
      return sql`(${value}) = ${test.value ? 'true' : 'false'}::boolean`;
    case 'time-equals':
      return sql`${value} = ${timeParam(test.value, now)}::timestamptz`;
    case 'time-order':
      return sql`${value} ${orderOperator(test.operator)} ${timeParam(test.value, now)}::timestamptz`;
  }
}

/** The shortest text that reads back as the same double, so Postgres compares what JS compares. */
function numberParam(value: number): string {
  return String(value);
}

function timeParam(value: TimeValue, now: number): string {
  return new Date(value.kind === 'instant' ? value.ms : now + value.offsetMs).toISOString();
}

function orderOperator(operator: OrderOperator): SQL {
  // The operator comes from a closed set, never from user text.
  const operators: Record<OrderOperator, SQL> = { '<': sql.raw('<'), '<=': sql.raw('<='), '>': sql.raw('>'), '>=': sql.raw('>=') };
  return operators[operator];
}
