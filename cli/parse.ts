import { InvalidArgumentError } from 'commander';

/** A commander parser for an integer within [min, max]; a typo such as `--runs 1e9` is refused. */
export function integerParser(what: string, min: number, max: number): (value: string) => number {
  return (value: string): number => {
    const parsed = /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${what} must be an integer from ${min} to ${max}.`);
    }
    return parsed;
  };
}
