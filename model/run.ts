// PLACEHOLDER: the runner API (filled in by the model author). Helpers code against these types.
import type { ModelConfig } from './config.ts';
import type { Effect, HistoryEvent, StepEvent } from './events.ts';
import type { Intent } from './intents.ts';
import type { World } from './state.ts';

export interface RunOptions {
  /** Names of invariants to check; default: every invariant whose `promise` is true. */
  readonly invariants?: readonly string[];
  /** After the history, heal all faults and check the liveness property (default true). */
  readonly checkLiveness?: boolean;
  /** Keep every step (event, effects, clock) for rendering. Costs memory; off for fuzzing. */
  readonly recordTrace?: boolean;
}

export interface Violation {
  readonly invariant: string;
  readonly kind: 'safety' | 'liveness';
  /** 1-based model step at which the violation was observed. */
  readonly step: number;
  /** Index into the resolved history of the event during which it happened (-1: quiescence phase). */
  readonly eventIndex: number;
  readonly message: string;
  readonly witness: Record<string, unknown>;
}

export interface TraceStep {
  readonly step: number;
  readonly eventIndex: number;
  readonly event: StepEvent;
  readonly nowMs: number;
  readonly effects: readonly Effect[];
  /** World after the step. */
  readonly world: World;
}

export interface RunResult {
  /** The resolved history actually executed (intents that resolved to nothing are left out). */
  readonly events: readonly HistoryEvent[];
  readonly steps: number;
  readonly violation: Violation | null;
  readonly trace: readonly TraceStep[] | null;
  /** How many times each invariant was evaluated. */
  readonly checks: Readonly<Record<string, number>>;
  /** How many resolved events of each type ran. */
  readonly eventCounts: Readonly<Record<string, number>>;
  /** Simulated ms from the start of quiescence until convergence; null if not checked or never. */
  readonly convergenceMs: number | null;
  readonly finalWorld: World;
}

export declare function runIntents(config: ModelConfig, intents: readonly Intent[], options?: RunOptions): RunResult;
export declare function runEvents(config: ModelConfig, events: readonly HistoryEvent[], options?: RunOptions): RunResult;
