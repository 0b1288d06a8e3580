/** Window arithmetic for stateful rules: how much happened in the busiest stretch around a moment. */
import type { Observation } from '../../types.ts';

/**
 * The largest number of facts (distinct by `distinctBy` when given) in any window of `windowMs`
 * that contains `at`. Looking at every window containing the moment, not only the one ending
 * at it, makes the answer the same whichever record of a burst arrives last.
 * @param items sorted oldest first
 */
export function busiestWindow(
  items: readonly Observation[],
  at: Date,
  windowMs: number,
  distinctBy?: (o: Observation) => string,
): { count: number; items: Observation[] } {
  const t = at.getTime();
  let best: { count: number; items: Observation[] } = { count: 0, items: [] };
  const counts = new Map<string, number>();
  let end = 0;
  const keyOf = (o: Observation) => (distinctBy ? distinctBy(o) : o.id);
  for (let start = 0; start < items.length; start++) {
    const startAt = items[start]!.at.getTime();
    if (startAt > t) break;
    if (end < start) end = start;
    while (end < items.length && items[end]!.at.getTime() <= startAt + windowMs) {
      const k = keyOf(items[end]!);
      counts.set(k, (counts.get(k) ?? 0) + 1);
      end++;
    }
    if (startAt >= t - windowMs && counts.size > best.count) best = { count: counts.size, items: items.slice(start, end) };
    const k = keyOf(items[start]!);
    const n = (counts.get(k) ?? 0) - 1;
    if (n <= 0) counts.delete(k);
    else counts.set(k, n);
  }
  return best;
}

/** Distinct values of a data field, in order of first appearance. */
export function distinctValues(items: readonly Observation[], field: string): string[] {
  return [...new Set(items.map((o) => o.data[field]).filter((v): v is string => typeof v === 'string' && v !== ''))];
}

/** Lists a few values and says how many more there are. */
export function listSome(values: readonly string[], max = 5): string {
  return values.length <= max ? values.join(', ') : `${values.slice(0, max).join(', ')} and ${values.length - max} more`;
}
