// PLACEHOLDER: the mutant registry (filled in by the model author).
export interface MutantInfo {
  /** e.g. "range-overlap"; bug-zoo mutants are named after their JIRA id. */
  readonly name: string;
  /** What is broken, in one sentence. */
  readonly description: string;
  /** The invariant the suite must catch it with. */
  readonly caughtBy: string;
}
export declare const MUTANTS: readonly MutantInfo[];
export declare function mutantByName(name: string): MutantInfo | undefined;
