import { LocatedError } from './located-error.ts';

/**
 * A counterexample file the user gave us is unusable. The message always names the file, and
 * when it can, the line and the field (JSON path), so it can be fixed without a debugger.
 *
 * In a module of its own, importing only its base, so the CLI can recognise it without loading the model.
 */
export class CounterexampleError extends LocatedError {
  override name = 'CounterexampleError';
}
