import type { ModelConfig } from '../config.ts';
import type { Effect, StepEvent } from '../events.ts';
import type { World } from '../state.ts';
import type { Verdict } from '../types.ts';

/**
 * Invariants in the TLA+ taxonomy: state invariants (INV), action properties (ACTION_PROP, judged
 * on a transition prev -> next) and liveness (LIVENESS, judged after quiescence by the runner).
 *
 * `promise` separates what Kafka promises from known anomalies: an anomaly detector describes
 * behaviour Kafka does *not* rule out (e.g. a zombie consumer still processing). Anomaly detectors
 * are never part of the default fuzz check set; counterexample files use them to show users exactly
 * which promise Kafka does not make.
 */
export interface InvariantInfo {
  readonly name: string;
  /** What the invariant states and why it matters. */
  readonly doc: string;
  /** Where the rule comes from (KIP, Kafka source file). */
  readonly ref: string;
  readonly promise: boolean;
  /** 'coordinator' or 'client' view, or 'liveness'. */
  readonly view: 'coordinator' | 'client' | 'liveness';
}

export interface StateInvariant extends InvariantInfo {
  readonly kind: 'state';
  check(world: World, config: ModelConfig): Verdict;
}

export interface ActionProperty extends InvariantInfo {
  readonly kind: 'action';
  check(prev: World, event: StepEvent, next: World, effects: readonly Effect[], config: ModelConfig): Verdict;
}

export interface LivenessProperty extends InvariantInfo {
  readonly kind: 'liveness';
  /** Is the world converged? Judged repeatedly during the quiescence phase. */
  converged(world: World, config: ModelConfig): Verdict;
}

export type Invariant = StateInvariant | ActionProperty | LivenessProperty;
