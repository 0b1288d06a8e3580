/**
 * Autotask REST query filters: `{"op":"eq","field":"companyName","value":"Contoso"}`, grouped as
 * `{"op":"and"|"or","items":[…]}`; a top-level Filter array is an implicit and. Operators
 * eq noteq gt gte lt lte beginsWith endsWith contains exist notExist in notIn. Field names and
 * text compare case-insensitively.
 */
import { z } from 'zod';

export type AtFilter = { op: string; field?: string; value?: unknown; items?: AtFilter[]; udf?: boolean };

const filterSchema: z.ZodType<AtFilter> = z.lazy(() =>
  z.object({
    op: z.string(),
    field: z.string().optional(),
    value: z.unknown().optional(),
    items: z.array(filterSchema).optional(),
    udf: z.boolean().optional(),
  }),
);

/** Body of `/query`, tolerant of key case (`filter`/`Filter`, `maxRecords`/`MaxRecords`). */
export function parseQueryBody(raw: unknown): { filter: AtFilter[]; maxRecords: number; includeFields?: string[] } {
  if (!raw || typeof raw !== 'object') throw new Error('The query body must be a JSON object with a filter.');
  const lower = Object.fromEntries(Object.entries(raw as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), v]));
  const filter = z.array(filterSchema).parse(lower.filter ?? []);
  if (filter.length === 0) throw new Error('A query needs at least one filter item.');
  const maxRecords = lower.maxrecords === undefined ? 500 : Number(lower.maxrecords);
  if (!Number.isInteger(maxRecords) || maxRecords < 1 || maxRecords > 500) throw new Error('MaxRecords must be between 1 and 500.');
  const includeFields = lower.includefields === undefined ? undefined : z.array(z.string()).parse(lower.includefields);
  return { filter, maxRecords, ...(includeFields ? { includeFields } : {}) };
}

const OPS = new Set(['eq', 'noteq', 'gt', 'gte', 'lt', 'lte', 'beginswith', 'endswith', 'contains', 'exist', 'notexist', 'in', 'notin', 'and', 'or']);

function field(record: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(record).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : record[key];
}

function norm(v: unknown): string | number | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const s = String(v);
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  return s.toLowerCase();
}

export function matchesFilter(record: Record<string, unknown>, f: AtFilter): boolean {
  const op = f.op.toLowerCase();
  if (!OPS.has(op)) throw new Error(`Unknown filter operator ${f.op}.`);
  if (op === 'and') return (f.items ?? []).every((i) => matchesFilter(record, i));
  if (op === 'or') return (f.items ?? []).some((i) => matchesFilter(record, i));
  if (!f.field) throw new Error(`The ${f.op} filter needs a field.`);
  const actual = norm(field(record, f.field));
  if (op === 'exist') return actual !== null;
  if (op === 'notexist') return actual === null;
  if (op === 'in' || op === 'notin') {
    const list = Array.isArray(f.value) ? f.value.map(norm) : [norm(f.value)];
    return op === 'in' ? list.includes(actual) : !list.includes(actual);
  }
  const expected = norm(f.value);
  switch (op) {
    case 'eq':
      return actual === expected;
    case 'noteq':
      return actual !== expected;
    case 'beginswith':
      return String(actual ?? '').startsWith(String(expected ?? ''));
    case 'endswith':
      return String(actual ?? '').endsWith(String(expected ?? ''));
    case 'contains':
      return String(actual ?? '').includes(String(expected ?? ''));
    default: {
      if (actual === null || expected === null) return false;
      if (op === 'gt') return actual > expected;
      if (op === 'gte') return actual >= expected;
      if (op === 'lt') return actual < expected;
      return actual <= expected;
    }
  }
}
