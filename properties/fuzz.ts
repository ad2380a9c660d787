import fc from 'fast-check';
import type { ModelConfig } from '../model/config.ts';
import type { Intent } from '../model/intents.ts';
import { type RunResult, runIntents } from '../model/run.ts';
import { historyArbitrary } from './arbitraries.ts';
import { type MeasuresByProtocol, type RebalanceMeasures, mergeMeasures } from '../model/measures.ts';

/**
 * The fuzz driver: fast-check generates histories, the runner checks every invariant after every
 * step, and a failing history is shrunk by fast-check and re-run with its trace recorded.
 * Deterministic for a given seed and run count; with a time limit, the number of runs varies.
 */

export interface FuzzOptions {
  readonly config: ModelConfig;
  readonly seed: number;
  /** Stop after this many runs (histories). */
  readonly numRuns?: number;
  /** Or stop after this much wall-clock time. */
  readonly timeLimitMs?: number;
  /** Draw per-run swarm weights (some event kinds off, others dominant). */
  readonly swarm: boolean;
  /** Longest generated history, in events. */
  readonly maxEvents: number;
  /** Invariants to check; default every promise. */
  readonly invariants?: readonly string[];
  /** Called at most every `progressEveryMs` of wall-clock time, and once at the end. */
  readonly onProgress?: (progress: FuzzProgress) => void;
  readonly progressEveryMs?: number;
  /** Shrink a failure (default true); a detection test only needs to know that it failed. */
  readonly shrink?: boolean;
  /**
   * Stop shrinking once the candidates tried have taken this many model steps, keeping the
   * smallest failure found so far (deterministic, unlike a time limit). Default: no limit.
   */
  readonly maxShrinkSteps?: number;
}

export interface FuzzProgress {
  readonly runs: number;
  readonly steps: number;
  readonly elapsedMs: number;
  /** Set while shrinking a failure. */
  readonly shrinking: boolean;
}

export interface FuzzFailure {
  /** fast-check's replay coordinates (provenance only: tied to this generator code). */
  readonly seed: number;
  readonly path: string;
  readonly shrinks: number;
  readonly intents: readonly Intent[];
  /** The shrunk history re-run with its trace recorded. */
  readonly result: RunResult;
}

export interface FuzzOutcome {
  readonly runs: number;
  readonly steps: number;
  readonly elapsedMs: number;
  readonly checks: Readonly<Record<string, number>>;
  readonly eventCounts: Readonly<Record<string, number>>;
  /** Coordinator failovers (a new leader's coordinator started loading), over the counted runs. */
  readonly failovers: number;
  /** Stickiness and balance of the Stable generations, per protocol, over the counted runs. */
  readonly rebalance: MeasuresByProtocol;
  /** Simulated time to converge after quiescence, over runs that checked liveness. */
  readonly convergenceMs: { readonly max: number; readonly median: number; readonly runs: number } | null;
  readonly failure: FuzzFailure | null;
}

export const DEFAULT_MAX_EVENTS = 60;
/**
 * The shrink budget of the mutant checks (properties/mutants.test.ts, npm run bench): enough for
 * almost every mutant to shrink fully, and it keeps a slow shrink (long histories, each candidate
 * run to quiescence) inside the test timeout.
 */
export const MUTANT_MAX_SHRINK_STEPS = 1_500_000;

export function fuzz(options: FuzzOptions): FuzzOutcome {
  const started = Date.now();
  const checks: Record<string, number> = {};
  const eventCounts: Record<string, number> = {};
  const convergence: number[] = [];
  let runs = 0;
  let steps = 0;
  let failovers = 0;
  const rebalance: Record<string, RebalanceMeasures> = {};
  let shrinking = false;
  let lastProgress = started;
  const progressEvery = options.progressEveryMs ?? 1000;
  const report = (): void =>
    options.onProgress?.({ runs, steps, elapsedMs: Date.now() - started, shrinking });

  let shrinkSteps = 0;
  const property = fc.property(historyArbitrary(options.config, options), (intents) => {
    // Past the shrink budget every further candidate counts as passing, so fast-check stops there.
    if (shrinking && shrinkSteps > (options.maxShrinkSteps ?? Infinity)) return true;
    const result = runIntents(options.config, intents, { invariants: options.invariants });
    steps += result.steps;
    if (shrinking) shrinkSteps += result.steps;
    if (!shrinking) {
      runs += 1;
      for (const [name, n] of Object.entries(result.checks)) checks[name] = (checks[name] ?? 0) + n;
      for (const [type, n] of Object.entries(result.eventCounts)) eventCounts[type] = (eventCounts[type] ?? 0) + n;
      if (result.convergenceMs !== null) convergence.push(result.convergenceMs);
      failovers += result.finalWorld.ghost.failovers;
      mergeMeasures(rebalance, result.rebalance);
    }
    if (options.onProgress !== undefined && Date.now() - lastProgress >= progressEvery) {
      lastProgress = Date.now();
      report();
    }
    if (result.violation !== null) {
      shrinking = true;
      return false;
    }
    return true;
  });

  const details = fc.check(property, {
    seed: options.seed,
    numRuns: options.numRuns ?? (options.timeLimitMs !== undefined ? 1_000_000_000 : 100),
    interruptAfterTimeLimit: options.timeLimitMs,
    markInterruptAsFailure: false,
    endOnFailure: options.shrink === false,
  });

  let failure: FuzzFailure | null = null;
  if (details.failed && details.counterexample !== null) {
    const [intents] = details.counterexample;
    failure = {
      seed: details.seed,
      path: details.counterexamplePath ?? '',
      shrinks: details.numShrinks,
      intents,
      result: runIntents(options.config, intents, { invariants: options.invariants, recordTrace: true }),
    };
  } else if (details.failed) {
    throw new Error(`fast-check failed without a counterexample: ${String(details.errorInstance)}`);
  }
  report();
  convergence.sort((a, b) => a - b);
  return {
    runs,
    steps,
    elapsedMs: Date.now() - started,
    checks,
    eventCounts,
    failovers,
    rebalance,
    convergenceMs:
      convergence.length === 0
        ? null
        : { max: convergence[convergence.length - 1], median: convergence[Math.floor(convergence.length / 2)], runs: convergence.length },
    failure,
  };
}
