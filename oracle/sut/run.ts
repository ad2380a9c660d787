import fc from 'fast-check';
import type { ModelConfig } from '../../model/config.ts';
import { type ClientIntent, clientIntentArbitrary } from './clients.ts';
import type { SutConnection } from './connection.ts';
import { runSession, type SessionOutcome, type SessionVerdict } from './session.ts';

/**
 * `groupspec test --sut`: generated histories against the SUT, judged by the model. The first
 * failing history is shrunk *against the SUT* (a fresh connection per attempt), keeping only
 * attempts that fail the same way, so a violation never shrinks into, say, a hang.
 */

export interface SutTestOptions {
  readonly config: ModelConfig;
  readonly connect: () => SutConnection;
  readonly seed: number;
  readonly numRuns: number;
  readonly maxIntents: number;
  /** Generate coordinator failovers too (the SUT must implement the `failover` message). */
  readonly failover?: boolean;
  readonly onProgress?: (runs: number, messages: number, shrinking: boolean) => void;
}

export interface SutTestOutcome {
  readonly runs: number;
  /** Messages sent (requests and clock advances), over the counted runs. */
  readonly messages: number;
  readonly verdicts: Readonly<Record<string, number>>;
  readonly implementation: string;
  readonly failure: { readonly intents: readonly ClientIntent[]; readonly outcome: SessionOutcome; readonly shrinks: number } | null;
  readonly elapsedMs: number;
}

const PASSING: ReadonlySet<SessionVerdict> = new Set<SessionVerdict>(['pass', 'inconclusive']);

export async function testSut(options: SutTestOptions): Promise<SutTestOutcome> {
  const started = Date.now();
  const verdicts: Record<string, number> = {};
  let runs = 0;
  let messages = 0;
  let implementation = 'unknown';
  let failingKind: SessionVerdict | null = null;

  const property = fc.asyncProperty(clientIntentArbitrary(options.maxIntents, { failover: options.failover }), async (intents) => {
    const outcome = await runSession(options.config, intents, options.connect);
    implementation = outcome.implementation;
    if (failingKind === null) {
      runs += 1;
      messages += outcome.steps.length;
      verdicts[outcome.verdict] = (verdicts[outcome.verdict] ?? 0) + 1;
    }
    options.onProgress?.(runs, messages, failingKind !== null);
    const fails = failingKind === null ? !PASSING.has(outcome.verdict) : outcome.verdict === failingKind;
    if (fails) failingKind = outcome.verdict;
    return !fails;
  });
  const details = await fc.check(property, { seed: options.seed, numRuns: options.numRuns, endOnFailure: false });
  let failure: SutTestOutcome['failure'] = null;
  if (details.failed && details.counterexample !== null) {
    // Run the shrunk history once more for its transcript; the SUT is deterministic on its virtual clock.
    const [intents] = details.counterexample;
    failure = { intents, outcome: await runSession(options.config, intents, options.connect), shrinks: details.numShrinks };
  } else if (details.failed) {
    throw new Error(`fast-check failed without a counterexample: ${String(details.errorInstance)}`);
  }
  return {
    runs,
    messages,
    verdicts,
    implementation,
    failure,
    elapsedMs: Date.now() - started,
  };
}
