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

/**
 * One figure in the form `npm run bench` gathers into bench/RESULTS.md: a benchmark prints each of
 * its headline figures with `reportFigure`, beside its own human-readable lines. `baseline` names
 * what the figure is compared with (measured in the same run), `baselineValue` its value in the
 * same unit; the table's ratio is value ÷ baselineValue. `goal` is the target in words
 * ("under 0.5 s"). `command` reruns just this benchmark.
 */
export type Figure = {
  figure: string;
  value: number;
  unit: string;
  goal?: string;
  baseline?: string;
  baselineValue?: number;
  command: string;
};

/** The prefix of a figure's line on stdout; the rest of the line is the figure as JSON. */
export const FIGURE_PREFIX = '@bench-figure ';

export function reportFigure(f: Figure) {
  console.log(FIGURE_PREFIX + JSON.stringify(f));
}
