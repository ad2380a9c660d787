import { integerParser } from './parse.ts';

/**
 * Numeric options of `groupspec soak` (the shared ones, --seed and --time, come from options.ts).
 * Kept apart from the soak command so `groupspec --help` loads neither the model nor seedrandom.
 */

export const DEFAULT_RUNS_PER_BATCH = 200;


export const parseBatches = integerParser('batches', 1, 1_000_000);
export const parseRunsPerBatch = integerParser('runs per batch', 1, 1_000_000);
