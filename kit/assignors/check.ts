import fc from 'fast-check';
import type { Verdict } from '../../model/types.ts';
import { assignorCaseArbitrary } from './arbitrary.ts';
import { ASSIGNOR_PROPERTIES, type AssignorProperty } from './properties.ts';
import type { AssignorCase, AssignorUnderTest, KitAssignment } from './types.ts';

/** One property's verdict on one assignor. */
export interface PropertyResult {
  readonly property: string;
  readonly outcome: 'held' | 'violated' | 'not claimed' | 'crashed';
  readonly runs: number;
  /** The shrunk input, what the assignor returned, and why it breaks the property. */
  readonly counterexample: {
    readonly input: AssignorCase;
    readonly assignment: KitAssignment | null;
    readonly message: string;
    readonly witness: Record<string, unknown>;
  } | null;
}

export interface KitOptions {
  readonly seed: number;
  readonly numRuns: number;
}

/**
 * Check an assignor against every property it owes or claims, each on its own generated
 * inputs (fixed seed, shrunk on failure). An assignor that throws is reported, not fatal.
 */
export async function checkAssignor(impl: AssignorUnderTest, options: KitOptions): Promise<PropertyResult[]> {
  const results: PropertyResult[] = [];
  for (const property of ASSIGNOR_PROPERTIES) {
    if (!property.appliesTo(impl.claims)) {
      results.push({ property: property.name, outcome: 'not claimed', runs: 0, counterexample: null });
      continue;
    }
    results.push(await checkProperty(impl, property, options));
  }
  return results;
}

async function judge(impl: AssignorUnderTest, property: AssignorProperty, input: AssignorCase): Promise<{ assignment: KitAssignment | null; verdict: Verdict }> {
  let assignment: KitAssignment | null = null;
  try {
    assignment = await impl.assign(input);
    return { assignment, verdict: await property.check(input, assignment, (again) => impl.assign(again), impl.claims) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { assignment, verdict: { valid: false, message: `the assignor threw: ${message}`, witness: { error: message } } };
  }
}

async function checkProperty(impl: AssignorUnderTest, property: AssignorProperty, options: KitOptions): Promise<PropertyResult> {
  let runs = 0;
  const details = await fc.check(
    fc.asyncProperty(assignorCaseArbitrary(), async (input) => {
      runs += 1;
      return (await judge(impl, property, input)).verdict.valid;
    }),
    { seed: options.seed, numRuns: options.numRuns },
  );
  if (!details.failed || details.counterexample === null) return { property: property.name, outcome: 'held', runs: details.numRuns, counterexample: null };
  const [input] = details.counterexample;
  const { assignment, verdict } = await judge(impl, property, input);
  const message = verdict.valid ? 'flaky: the shrunk input passes when re-run' : verdict.message;
  const witness = verdict.valid ? {} : verdict.witness;
  return {
    property: property.name,
    outcome: message.startsWith('the assignor threw') ? 'crashed' : 'violated',
    runs: details.numRuns,
    counterexample: { input, assignment, message, witness },
  };
}
