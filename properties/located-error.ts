/**
 * A file the user gave us is unusable, located as `file:line: field: reason` (the line and the
 * field when known), so it can be fixed without a debugger. Each kind of file has its own
 * subclass (CounterexampleError, TraceError), which the CLI tells apart by class.
 *
 * In a module of its own, with no imports, so the CLI can recognise its subclasses cheaply.
 */
export class LocatedError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly field: string | null,
    readonly reason: string,
  ) {
    super(`${file}${line === null ? '' : `:${line}`}: ${field === null ? '' : `${field}: `}${reason}`);
  }
}
