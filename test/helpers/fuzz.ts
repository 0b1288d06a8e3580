import { recordCounts } from './coverage-counts.ts';

/**
 * How many runs a property test makes: its default (sized so that every fuzz test together
 * stays well under 30 s), or FUZZ_RUNS when that is larger (`FUZZ_RUNS=100000 npx vitest run
 * services/language/fuzz.test.ts` for a long session). Each suite's total is recorded for
 * test/README.md.
 */
export function fuzzRuns(defaultRuns: number): number {
  const wanted = Number(process.env.FUZZ_RUNS ?? '');
  return Number.isInteger(wanted) && wanted > defaultRuns ? wanted : defaultRuns;
}

/** Counts the runs and inputs of one fuzz suite; `save()` (in afterAll) records them. */
export function fuzzTally(suite: string) {
  const counts: Record<string, number> = { properties: 0, runs: 0 };
  return {
    /** The number of runs for one property, counted. */
    runs(defaultRuns: number): number {
      const n = fuzzRuns(defaultRuns);
      counts.properties! += 1;
      counts.runs! += n;
      return n;
    },
    add(name: string, n = 1) {
      counts[name] = (counts[name] ?? 0) + n;
    },
    save() {
      recordCounts(`fuzz-${suite}`, counts);
    },
  };
}
