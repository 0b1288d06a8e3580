/** Shared helpers for benchmarks: they print figures, they never assert. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

export function header(title: string) {
  console.log(`\n## ${title}`);
}

export const mb = (bytes: number) => `${fmt(bytes / 1_048_576, 0)} MB`;
