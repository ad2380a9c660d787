// PLACEHOLDER: history generators (filled in by the model author).
import type fc from 'fast-check';
import type { ModelConfig } from '../model/config.ts';
import type { Intent } from '../model/intents.ts';
export interface HistoryOptions { readonly swarm: boolean; readonly maxEvents: number }
export declare function historyArbitrary(config: ModelConfig, options: HistoryOptions): fc.Arbitrary<Intent[]>;
