/**
 * A trace file the user gave us is unusable: not NDJSON, a line that breaks its schema, or a
 * line that contradicts the header. The message names the file, the line and, when there is one,
 * the field, as `file:line: field: reason`, so the producer of the trace can be fixed without a
 * debugger.
 *
 * In a module of its own, with no imports, so the CLI can recognise it cheaply.
 */
export class TraceError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly field: string | null,
    readonly reason: string,
  ) {
    super(`${file}${line === null ? '' : `:${line}`}: ${field === null ? '' : `${field}: `}${reason}`);
    this.name = 'TraceError';
  }
}
