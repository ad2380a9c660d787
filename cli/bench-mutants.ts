import { MUTANTS, mutantConfig } from '../model/mutants.ts';
import { DEFAULT_MAX_EVENTS, MUTANT_MAX_SHRINK_STEPS, fuzz } from '../properties/fuzz.ts';

/**
 * Detection power, per mutant: over several seeds, how many generated histories (and how much
 * wall time) until the target invariant catches it, and how short the shrunk history is. Only
 * the target invariant is checked, as in properties/mutants.test.ts.
 */
export interface MutantDetection {
  readonly mutant: string;
  readonly caughtBy: string;
  readonly seeds: number;
  readonly caught: number;
  /** Runs to detect per seed; null where the budget ran out. */
  readonly runs: readonly (number | null)[];
  readonly medianRuns: number | null;
  readonly maxRuns: number | null;
  readonly medianMs: number | null;
  readonly maxMs: number | null;
  /** Events of the shrunk history, median over the seeds that caught it. */
  readonly medianShrunkEvents: number | null;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

export function measureMutants(
  seeds: readonly number[],
  budget: number,
  onMutant: (done: MutantDetection) => void = () => {},
  only: readonly string[] | null = null,
): MutantDetection[] {
  const rows: MutantDetection[] = [];
  for (const mutant of MUTANTS.filter((m) => only === null || only.includes(m.name))) {
    const runs: (number | null)[] = [];
    const times: number[] = [];
    const lengths: number[] = [];
    for (const seed of seeds) {
      const outcome = fuzz({
        config: mutantConfig(mutant),
        seed,
        numRuns: budget,
        swarm: true,
        maxEvents: DEFAULT_MAX_EVENTS,
        invariants: [mutant.caughtBy],
        maxShrinkSteps: MUTANT_MAX_SHRINK_STEPS,
      });
      const caught = outcome.failure?.result.violation?.invariant === mutant.caughtBy;
      runs.push(caught ? outcome.runs : null);
      if (caught) {
        times.push(outcome.elapsedMs);
        lengths.push(outcome.failure!.result.events.length);
      }
    }
    const found = runs.filter((r): r is number => r !== null);
    const row: MutantDetection = {
      mutant: mutant.name,
      caughtBy: mutant.caughtBy,
      seeds: seeds.length,
      caught: found.length,
      runs,
      medianRuns: median(found),
      maxRuns: found.length === 0 ? null : Math.max(...found),
      medianMs: median(times),
      maxMs: times.length === 0 ? null : Math.max(...times),
      medianShrunkEvents: median(lengths),
    };
    rows.push(row);
    onMutant(row);
  }
  return rows;
}

export function mutantTable(rows: readonly MutantDetection[], budget: number): string[] {
  const n = (value: number | null): string => (value === null ? '–' : value.toLocaleString('en-US'));
  const s = (ms: number | null): string => (ms === null ? '–' : `${(ms / 1000).toFixed(1)} s`);
  return [
    `| mutant | caught by | caught (seeds) | runs to detect, median / max | time to detect, median / max | shrunk events, median |`,
    '|---|---|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.mutant} | ${r.caughtBy} | ${r.caught} / ${r.seeds} | ${n(r.medianRuns)} / ${n(r.maxRuns)} | ${s(r.medianMs)} / ${s(r.maxMs)} | ${n(r.medianShrunkEvents)} |`,
    ),
    '',
    `Runs to detect include the failing run; the time includes shrinking. A seed that did not catch the mutant within ${budget.toLocaleString('en-US')} runs counts as not caught.`,
  ];
}
