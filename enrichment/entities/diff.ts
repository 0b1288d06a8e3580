/**
 * What changed between a recorded snapshot and the live one, for the event page to mark.
 * Objects are compared key by key (paths like `mfa.methods`); arrays are compared as whole
 * values, because "roles: [A] → [A, B]" reads better than per-index changes and array order
 * from Graph is not meaningful.
 */
import type { JsonValue } from './types.ts';

export interface Change {
  /** Dotted path of the changed value (`status`, `mfa.defaultMethod`). */
  path: string;
  /** `null` when the value was absent. */
  recorded: JsonValue;
  live: JsonValue;
}

/**
 * Changes from `recorded` to `live`, skipping any path in `ignore` (and what is below it).
 *
 * @example
 *   diffSnapshots({ status: 'enabled', roles: ['A'] }, { status: 'disabled', roles: ['A'] })
 *   // [{ path: 'status', recorded: 'enabled', live: 'disabled' }]
 */
export function diffSnapshots(recorded: JsonValue | undefined, live: JsonValue | undefined, ignore: readonly string[] = []): Change[] {
  const changes: Change[] = [];
  const skip = new Set(ignore);
  walk(recorded ?? null, live ?? null, '', changes, skip);
  return changes;
}

function isObject(value: JsonValue): value is { [key: string]: JsonValue } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function walk(a: JsonValue, b: JsonValue, path: string, out: Change[], skip: ReadonlySet<string>): void {
  if (path && skip.has(path)) return;
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const key of keys) walk(a[key] ?? null, b[key] ?? null, path ? `${path}.${key}` : key, out, skip);
    return;
  }
  if (!jsonEqual(a, b)) out.push({ path: path || '$', recorded: a, live: b });
}

/** Deep equality for JSON values; arrays of primitives compare as sets (Graph does not promise order). */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    if (a.every(isPrimitive) && b.every(isPrimitive)) {
      const sortedA = [...a].map(String).sort();
      const sortedB = [...b].map(String).sort();
      return sortedA.every((v, i) => v === sortedB[i]);
    }
    return a.every((v, i) => jsonEqual(v, b[i] ?? null));
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!jsonEqual(a[key] ?? null, b[key] ?? null)) return false;
    return true;
  }
  return false;
}

function isPrimitive(value: JsonValue): boolean {
  return value === null || typeof value !== 'object';
}
