import type { ModelConfig } from '../model/config.ts';
import type { MutantInfo } from '../model/mutants.ts';
import type { Violation } from '../model/run.ts';
import {
  COUNTEREXAMPLE_FORMAT,
  checkExpectation,
  counterexampleId,
  loadCounterexample,
  replayCounterexample,
  saveCounterexample,
  tracePathFor,
  type Counterexample,
} from '../properties/counterexample.ts';
import type { SavedCounterexampleFiles } from './report.ts';
import type { FuzzFailure } from '../properties/fuzz.ts';

/**
 * Turn a shrunk fuzz failure into a counterexample file's content. Both for a mutant and for
 * the faithful model the file expects the violation: a mutant must keep being caught, and an
 * unfixed bug in the model must keep showing until someone fixes it and flips `expect` to pass.
 */

export interface FailureContext {
  readonly config: ModelConfig;
  readonly mutant: MutantInfo | null;
  readonly seed: number;
  /** Runs until the failure, including it. */
  readonly runs: number;
  /** null: the default set. */
  readonly invariants: readonly string[] | null;
}

export function counterexampleFromFailure(failure: FuzzFailure, violation: Violation, context: FailureContext): Counterexample {
  const mutantName = context.mutant?.name ?? null;
  const events = failure.result.events;
  return {
    format: COUNTEREXAMPLE_FORMAT,
    id: counterexampleId(violation.invariant, mutantName, events),
    title:
      context.mutant === null
        ? `${violation.invariant} violated by the faithful model`
        : `${violation.invariant} catches mutant ${context.mutant.name}`,
    kind: 'regression',
    explanation: explain(violation, context),
    config: context.config,
    events,
    expect: { verdict: 'violation', invariant: violation.invariant, step: violation.step },
    checkedInvariants: context.invariants === null ? null : [...context.invariants],
    violation: { ...violation },
    found: {
      tool: 'groupspec fuzz',
      seed: failure.seed,
      path: failure.path,
      mutant: mutantName,
      runs: context.runs,
      shrinks: failure.shrinks,
    },
  };
}

function explain(violation: Violation, context: FailureContext): string {
  const observed = `${violation.invariant} fails at step ${violation.step}: ${violation.message}`;
  const mutant = context.mutant;
  if (mutant === null) {
    return (
      `Found by fuzzing the faithful model (seed ${context.seed}): ${observed}. Either the model or the invariant is ` +
      'wrong; this file keeps the failure visible until it is fixed, then its expect becomes {"verdict": "pass"}.'
    );
  }
  const registry =
    mutant.caughtBy === violation.invariant ? '' : ` (the mutant registry names ${mutant.caughtBy} as its catcher)`;
  return `Mutant ${mutant.name}: ${mutant.description} On this history ${observed}${registry}. The suite must keep catching it.`;
}

/**
 * Save a counterexample and read it back: a file that does not replay as it expects is worse than
 * none, so the caller gets a warning to print if it does not.
 */
export function saveAndVerify(outDir: string, cx: Counterexample): { saved: SavedCounterexampleFiles; replayWarning: string | null } {
  const json = saveCounterexample(outDir, cx);
  const check = checkExpectation(cx, replayCounterexample(loadCounterexample(json)));
  return {
    saved: { json, trace: tracePathFor(json) },
    replayWarning: check.ok ? null : `warning: the saved file does not replay as expected: ${check.message}`,
  };
}
