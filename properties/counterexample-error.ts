/**
 * A counterexample file the user gave us is unusable. The message always names the file, and
 * when it can, the line and the field (JSON path), so it can be fixed without a debugger.
 *
 * In a module of its own, with no imports, so the CLI can recognise it without loading the model.
 */
export class CounterexampleError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly field: string | null,
    readonly reason: string,
  ) {
    super(`${file}${line === null ? '' : `:${line}`}: ${field === null ? '' : `${field}: `}${reason}`);
    this.name = 'CounterexampleError';
  }
}
