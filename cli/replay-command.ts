import { existsSync, readFileSync } from 'node:fs';
import {
  checkExpectation,
  loadCounterexample,
  renderCounterexample,
  replayCounterexample,
  tracePathFor,
} from '../properties/counterexample.ts';
import { renderSummary } from '../properties/render.ts';
import { EXIT_OK, EXIT_VIOLATION, type Io } from './errors.ts';
import { loadRegistries } from './registries.ts';

export interface ReplayOptions {
  readonly quiet: boolean;
  /** Render every step; the saved .trace.txt folds routine and repeated steps. */
  readonly verbose?: boolean;
}

/**
 * `groupspec replay FILE`: re-run a counterexample, print its trace, and say whether it still
 * does what its `expect` says. Exit 0 when it does, 1 when it does not (a regression). A bad file
 * throws CounterexampleError, which the caller reports as a usage error.
 */
export async function replayCommand(file: string, options: ReplayOptions, io: Io): Promise<number> {
  // A malformed file is reported first, even if the registries cannot be loaded.
  loadCounterexample(file);
  const registries = await loadRegistries();
  const cx = loadCounterexample(file, {
    mutants: registries.mutants.map((mutant) => mutant.name),
    invariants: registries.invariants.map((invariant) => invariant.name),
  });
  const result = replayCounterexample(cx);
  const check = checkExpectation(cx, result);
  if (options.quiet) {
    io.out(`${renderSummary(result)}\n`);
  } else {
    const trace = renderCounterexample(cx, result, { verbose: options.verbose ?? false });
    io.out(trace);
    io.out('\n');
    const tracePath = tracePathFor(file);
    if (!options.verbose && existsSync(tracePath) && readFileSync(tracePath, 'utf8') !== trace) {
      io.out(`note: ${tracePath} differs from this trace; after review, update it with: npx vitest run -u counterexamples\n`);
    }
  }
  io.out(`${check.ok ? 'replay OK' : 'REGRESSION'}: ${check.message}\n`);
  return check.ok ? EXIT_OK : EXIT_VIOLATION;
}
