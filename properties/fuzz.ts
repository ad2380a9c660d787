// PLACEHOLDER: the fuzz driver API (filled in by the model author). The CLI codes against these types.
import type { ModelConfig } from '../model/config.ts';
import type { Intent } from '../model/intents.ts';
import type { RunResult } from '../model/run.ts';

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
  /** Simulated time to converge after quiescence, over runs that checked liveness. */
  readonly convergenceMs: { readonly max: number; readonly median: number; readonly runs: number } | null;
  readonly failure: FuzzFailure | null;
}

export declare function fuzz(options: FuzzOptions): FuzzOutcome;
