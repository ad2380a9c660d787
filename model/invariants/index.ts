// PLACEHOLDER: the invariant registry (filled in by the model author).
import type { Invariant } from './types.ts';
export type { Invariant } from './types.ts';
export declare const INVARIANTS: readonly Invariant[];
export declare function invariantByName(name: string): Invariant | undefined;
