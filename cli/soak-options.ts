import { InvalidArgumentError } from 'commander';

/**
 * Numeric options of `groupspec soak` (the shared ones, --seed and --time, come from options.ts).
 * Kept apart from the soak command so `groupspec --help` loads neither the model nor seedrandom.
 */

export const DEFAULT_RUNS_PER_BATCH = 200;

function integerParser(what: string, min: number, max: number): (value: string) => number {
  return (value: string): number => {
    const parsed = /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${what} must be an integer from ${min} to ${max}.`);
    }
    return parsed;
  };
}

export const parseBatches = integerParser('batches', 1, 1_000_000);
export const parseRunsPerBatch = integerParser('runs per batch', 1, 1_000_000);
