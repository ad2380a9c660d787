import { LocatedError } from '../../properties/located-error.ts';

/**
 * A trace file the user gave us is unusable: not NDJSON, a line that breaks its schema, or a
 * line that contradicts the header. The message names the file, the line and, when there is one,
 * the field, as `file:line: field: reason`, so the producer of the trace can be fixed without a
 * debugger.
 *
 * In a module of its own, importing only its base, so the CLI can recognise it cheaply.
 */
export class TraceError extends LocatedError {
  override name = 'TraceError';
}
