import type { Invariant } from '../model/invariants/index.ts';
import type { MutantInfo } from '../model/mutants.ts';

/**
 * The model's registries, loaded on demand: `groupspec --help` or a malformed-file error must
 * not pay for (or depend on) loading the whole model.
 */

export interface Registries {
  readonly mutants: readonly MutantInfo[];
  readonly invariants: readonly Invariant[];
}

export async function loadRegistries(): Promise<Registries> {
  const [mutantModule, invariantModule] = await Promise.all([
    import('../model/mutants.ts') as Promise<Partial<typeof import('../model/mutants.ts')>>,
    import('../model/invariants/index.ts') as Promise<Partial<typeof import('../model/invariants/index.ts')>>,
  ]);
  const { MUTANTS } = mutantModule;
  const { INVARIANTS } = invariantModule;
  if (!Array.isArray(MUTANTS)) throw new Error('the mutant registry (model/mutants.ts) exports no MUTANTS');
  if (!Array.isArray(INVARIANTS)) throw new Error('the invariant registry (model/invariants/index.ts) exports no INVARIANTS');
  return { mutants: MUTANTS, invariants: INVARIANTS };
}

/** The first sentence of a doc comment, on one line. */
export function firstSentence(doc: string): string {
  const flat = doc.replace(/\s+/g, ' ').trim();
  const end = flat.search(/\.(\s|$)/);
  return end === -1 ? flat : flat.slice(0, end + 1);
}
